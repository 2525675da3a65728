// The flytekit compatibility suite on SQLite (the PostgreSQL run is its own file so that the two run in parallel).
import { flytekitS3RegistrationSuite, flytekitSuite } from "./flytekit-suite.ts";

await flytekitSuite("sqlite");
flytekitS3RegistrationSuite();
