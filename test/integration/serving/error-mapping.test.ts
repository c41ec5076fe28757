import {
  errorResponse,
  ImageDecodeError,
  ImageTooLargeError,
  InvalidInputError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "@residual/pipeline";
import { BackendError, DownloadError, FormatError, ResNetError } from "@residual/resnet";
import { describe, expect, it } from "vitest";

describe("errorResponse: the one error → HTTP mapping", () => {
  it("bytes that are not an image are a bad request (400) with the decoder's code and reason", () => {
    const err = new ImageDecodeError("image_not_an_image", "images[0]: not an image (unrecognised format)", {
      issues: [{ path: ["images", 0], code: "image_not_an_image", message: "not an image" }],
    });
    expect(err).toBeInstanceOf(InvalidInputError); // a 400 by its own type, not a 415 special-cased back
    expect(errorResponse(err)).toEqual({
      status: 400,
      body: {
        error: {
          code: "image_not_an_image",
          message: "images[0]: not an image (unrecognised format)",
          issues: [{ path: ["images", 0], code: "image_not_an_image", message: "not an image" }],
        },
      },
    });
  });

  it("an unsupported Content-Type stays 415; other classes keep their status; unknown errors are opaque 500s", () => {
    const cases: Array<[Error, number, string]> = [
      [new UnsupportedMediaTypeError("unsupported_media_type", "text/plain"), 415, "unsupported_media_type"],
      [new ImageTooLargeError("image_too_many_pixels", "too many pixels"), 413, "image_too_many_pixels"],
      [new PayloadTooLargeError("body_too_large", "big"), 413, "body_too_large"],
      [new InvalidInputError("invalid_request", "bad"), 400, "invalid_request"],
      [new Error("secret path /etc/x"), 500, "internal_error"],
      // Errors of @residual/resnet are translated in one place, never an accidental 500.
      [new ResNetError("invalid_model_file", "bad model.json"), 500, "invalid_model_file"], // the bucket's fault
      [new FormatError("npy_truncated", "short"), 400, "npy_truncated"],
      [new FormatError("safetensors_bad_header", "header too large"), 400, "safetensors_bad_header"],
      [
        new ResNetError("invalid_options", "invalid options for resnet18: numClasses must be > 0"),
        400,
        "invalid_options",
      ],
      [new ResNetError("model_not_found", "no model.json"), 404, "model_not_found"],
      [new DownloadError("GET … answered 503"), 503, "weights_download_failed"],
      [new BackendError("backend_unavailable", "no wasm"), 500, "backend_unavailable"],
    ];
    for (const [err, status, code] of cases) {
      const res = errorResponse(err);
      expect([res.status, res.body.error.code]).toEqual([status, code]);
    }
    expect(JSON.stringify(errorResponse(new Error("secret path /etc/x")))).not.toContain("secret");
  });
});
