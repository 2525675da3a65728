// gRPC server reflection (v1 and v1alpha), so grpcurl and similar tools can discover and call our services.
import { create, toBinary, type DescFile, type DescMessage, type DescEnum } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "@aloft/idl/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "@aloft/idl/grpc/reflection/v1alpha/reflection_pb.js";

/** Index of every file reachable from the served services' files, by file name and by symbol. */
export class DescriptorIndex {
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  readonly serviceNames: string[];

  constructor(roots: DescFile[], serviceNames: string[]) {
    this.serviceNames = serviceNames;
    const visit = (f: DescFile) => {
      if (this.files.has(f.proto.name)) return;
      this.files.set(f.proto.name, f);
      for (const d of f.dependencies) visit(d);
      const addMessage = (m: DescMessage) => {
        this.symbols.set(m.typeName, f);
        for (const n of m.nestedMessages) addMessage(n);
        for (const e of m.nestedEnums) addEnum(e);
        for (const x of m.nestedExtensions) this.symbols.set(x.typeName, f);
      };
      const addEnum = (e: DescEnum) => this.symbols.set(e.typeName, f);
      f.messages.forEach(addMessage);
      f.enums.forEach(addEnum);
      for (const x of f.extensions) this.symbols.set(x.typeName, f);
      for (const s of f.services) {
        this.symbols.set(s.typeName, f);
        for (const m of s.methods) this.symbols.set(`${s.typeName}.${m.name}`, f);
      }
    };
    roots.forEach(visit);
  }

  byName(name: string): DescFile | undefined {
    return this.files.get(name);
  }

  bySymbol(symbol: string): DescFile | undefined {
    return this.symbols.get(symbol.replace(/^\./, ""));
  }

  /** The file and its transitive dependencies, serialized, file first (what reflection clients expect). */
  closure(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }
}

type Api = typeof v1 | typeof v1alpha;

function answer(api: Api, index: DescriptorIndex, req: v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest) {
  const base = { validHost: req.host, originalRequest: req as never };
  const error = (code: number, message: string) =>
    create(api.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema, {
      ...base,
      messageResponse: { case: "errorResponse", value: { errorCode: code, errorMessage: message } },
    });
  const files = (f: DescFile | undefined, what: string) =>
    f
      ? create(api.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema, {
          ...base,
          messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: index.closure(f) } },
        })
      : error(5, `${what} not found`);
  const m = req.messageRequest;
  switch (m.case) {
    case "listServices":
      return create(api.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema, {
        ...base,
        messageResponse: {
          case: "listServicesResponse",
          value: { service: index.serviceNames.map((name) => ({ name })) },
        },
      });
    case "fileByFilename":
      return files(index.byName(m.value), `file ${m.value}`);
    case "fileContainingSymbol":
      return files(index.bySymbol(m.value), `symbol ${m.value}`);
    case "fileContainingExtension":
      return error(5, `extension ${m.value.containingType}:${m.value.extensionNumber} not found`);
    case "allExtensionNumbersOfType":
      return create(api.ServerReflectionResponseSchema as typeof v1.ServerReflectionResponseSchema, {
        ...base,
        messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: m.value, extensionNumber: [] } },
      });
    default:
      return error(3, "empty reflection request");
  }
}

export function reflectionRoutes(index: DescriptorIndex) {
  return (router: ConnectRouter) => {
    for (const api of [v1, v1alpha] as Api[]) {
      router.service(api.ServerReflection as typeof v1.ServerReflection, {
        async *serverReflectionInfo(requests) {
          for await (const req of requests) yield answer(api, index, req);
        },
      });
    }
  };
}
