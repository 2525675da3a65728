// datacatalog.DataCatalog (the cache behind task caching), served by admin on its gRPC port. The service has no
// google.api.http routes, so the HTTP gateway exposes nothing for it.
import { DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import type { DataCatalogManager } from "../managers/datacatalog-manager.ts";
import { bind, type ServiceBinding } from "./rpc.ts";

export function dataCatalogServiceBinding(m: DataCatalogManager): ServiceBinding {
  return bind(DataCatalog, {
    createDataset: (req) => m.createDataset(req),
    getDataset: (req) => m.getDataset(req),
    createArtifact: (req) => m.createArtifact(req),
    getArtifact: (req) => m.getArtifact(req),
    addTag: (req) => m.addTag(req),
    listArtifacts: (req) => m.listArtifacts(req),
    listDatasets: (req) => m.listDatasets(req),
    updateArtifact: (req) => m.updateArtifact(req),
    getOrExtendReservation: (req) => m.getOrExtendReservation(req),
    releaseReservation: (req) => m.releaseReservation(req),
  });
}
