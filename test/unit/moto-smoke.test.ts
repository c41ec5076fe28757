import { describe, expect, it } from "vitest";
import { motoEndpoint } from "../support/aws.js";

describe("test harness", () => {
  it("has a live moto server", async () => {
    const res = await fetch(`${motoEndpoint()}/moto-api/`);
    expect(res.status).toBeLessThan(500);
  });
});
