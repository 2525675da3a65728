// Server reflection (what grpcurl uses), exercised with the independent grpc-js client.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { grpc, loadPackage } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => platform?.close());

type Resp = {
  message_response: string;
  list_services_response?: { service: Array<{ name: string }> };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number };
};

function ask(version: "v1" | "v1alpha", requests: object[]): Promise<Resp[]> {
  const pkg = loadPackage([`grpc/reflection/${version}/reflection.proto`]);
  const Ctor = ((pkg.grpc as Record<string, unknown>).reflection as Record<string, Record<string, unknown>>)[version]!
    .ServerReflection as grpc.ServiceClientConstructor;
  const client = new Ctor(platform.grpcAddress, grpc.credentials.createInsecure()) as unknown as {
    ServerReflectionInfo(): grpc.ClientDuplexStream<object, Resp>;
    close(): void;
  };
  return new Promise((resolve, reject) => {
    const out: Resp[] = [];
    const call = client.ServerReflectionInfo();
    call.on("data", (r: Resp) => {
      out.push(r);
      if (out.length === requests.length) call.end();
    });
    call.on("error", reject);
    call.on("end", () => {
      client.close();
      resolve(out);
    });
    for (const r of requests) call.write(r);
  });
}

for (const version of ["v1", "v1alpha"] as const) {
  test(`reflection ${version}: services, symbols and files`, async () => {
    const [list, bySymbol, byFile, missing] = await ask(version, [
      { list_services: "*" },
      { file_containing_symbol: "flyteidl.service.AdminService" },
      { file_by_filename: "flyteidl/admin/project.proto" },
      { file_containing_symbol: "no.such.Symbol" },
    ]);
    const names = list!.list_services_response!.service.map((s) => s.name);
    for (const n of [
      "flyteidl.service.AdminService",
      "flyteidl.service.SignalService",
      "aloft.admin.v1.EventService",
      "grpc.health.v1.Health",
    ])
      assert.ok(names.includes(n), n);
    const files = bySymbol!.file_descriptor_response!.file_descriptor_proto.map((b) =>
      fromBinary(FileDescriptorProtoSchema, b),
    );
    assert.equal(files[0]!.name, "flyteidl/service/admin.proto");
    assert.ok(
      files.some((f) => f.name === "flyteidl/admin/project.proto"),
      "dependencies included",
    );
    assert.ok(files[0]!.service.some((s) => s.name === "AdminService" && s.method.length === AdminMethods));
    const project = fromBinary(FileDescriptorProtoSchema, byFile!.file_descriptor_response!.file_descriptor_proto[0]!);
    assert.ok(project.messageType.some((m) => m.name === "Project"));
    assert.equal(missing!.error_response!.error_code, 5);
  });
}

const AdminMethods = 56;
