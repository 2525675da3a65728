import { create } from "@bufbuild/protobuf";
import { GetVersionResponseSchema, type GetVersionResponse } from "@aloft/idl/flyteidl/admin/version_pb.js";

export interface BuildInfo {
  version: string;
  build: string;
  buildTime: string;
}

export function versionResponse(info: BuildInfo): GetVersionResponse {
  return create(GetVersionResponseSchema, {
    controlPlaneVersion: { Version: info.version, Build: info.build, BuildTime: info.buildTime },
  });
}
