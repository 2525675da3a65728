// The flytekit compatibility suite on PostgreSQL (skipped loudly where none answers; required under CI).
import { flytekitSuite } from "./flytekit-suite.ts";

await flytekitSuite("postgres");
