// flyteidl.service.DataProxyService over gRPC and the HTTP gateway (POST/GET /api/v1/dataproxy/artifact_urn,
// POST /api/v1/dataproxy/artifact_link, GET /api/v1/data: routes from the descriptors' google.api.http options).
import { DataProxyService } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import type { DataProxyManager } from "../managers/dataproxy-manager.ts";
import { bind, type ServiceBinding } from "./rpc.ts";

export function dataProxyServiceBinding(m: DataProxyManager): ServiceBinding {
  return bind(DataProxyService, {
    createUploadLocation: (req) => m.createUploadLocation(req),
    createDownloadLocation: (req) => m.createDownloadLocation(req),
    createDownloadLink: (req) => m.createDownloadLink(req),
    getData: (req) => m.getData(req),
  });
}
