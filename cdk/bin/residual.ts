/** The CDK app that `cdk.json` runs (`npx tsx cdk/bin/residual.ts`). */
import { App } from "aws-cdk-lib";
import { buildApp } from "../lib/residual-app.js";

buildApp(new App());
