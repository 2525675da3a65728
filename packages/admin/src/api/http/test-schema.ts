// A message with every kind of field, built from a hand-written descriptor, for binding and marshaling tests.
//   enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }
//   message Inner { string name = 1; Color color = 2; Inner child = 3; }
//   message All { int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; float f = 5; double d = 6;
//     bool b = 7; string s = 8; bytes by = 9; Color color = 10; repeated Color colors = 11;
//     repeated string names = 12; map<string, string> labels = 13; google.protobuf.Timestamp ts = 14;
//     google.protobuf.Duration dur = 15; Inner inner = 16; google.protobuf.Int64Value wrapped = 17;
//     google.protobuf.FieldMask mask = 18; oneof choice { string a = 19; Inner b_inner = 20; }
//     google.protobuf.Struct st = 21; string snake_case_name = 22; repeated int32 nums = 23;
//     repeated Inner inners = 24; map<string, Inner> inner_map = 25; optional string opt = 26; }
//   service TestService { ... } with http rules of the kinds flyteidl does not use (see below)
import {
  create,
  createFileRegistry,
  setExtension,
  type DescMessage,
  type DescService,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import { http } from "@aloft/idl/google/api/annotations_pb.js";
import { HttpRuleSchema } from "@aloft/idl/google/api/http_pb.js";
import {
  MethodOptionsSchema,
  FieldDescriptorProto_Label as L,
  FieldDescriptorProto_Type as T,
  FileDescriptorProtoSchema,
  file_google_protobuf_duration,
  file_google_protobuf_field_mask,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";

type FieldSpec = [
  name: string,
  number: number,
  type: T,
  typeName?: string,
  label?: L,
  oneofIndex?: number,
  proto3Optional?: boolean,
];

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const field = ([name, number, type, typeName, label, oneofIndex, proto3Optional]: FieldSpec) => ({
  name,
  number,
  type,
  label: label ?? L.OPTIONAL,
  jsonName: camel(name),
  ...(typeName ? { typeName } : {}),
  ...(oneofIndex !== undefined ? { oneofIndex } : {}),
  ...(proto3Optional ? { proto3Optional } : {}),
});
const mapEntry = (name: string, valueType: T, valueTypeName?: string) => ({
  name,
  options: { mapEntry: true },
  field: [field(["key", 1, T.STRING]), field(["value", 2, valueType, valueTypeName])],
});

/** Method options carrying a google.api.http rule. */
function httpOption(rule: MessageInitShape<typeof HttpRuleSchema>) {
  const options = create(MethodOptionsSchema);
  setExtension(options, http, create(HttpRuleSchema, rule));
  return options;
}

const fileProto = create(FileDescriptorProtoSchema, {
  name: "aloft/test/binding.proto",
  package: "aloft.test",
  syntax: "proto3",
  dependency: [
    "google/protobuf/timestamp.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/field_mask.proto",
    "google/protobuf/struct.proto",
  ],
  enumType: [
    {
      name: "Color",
      value: [
        { name: "COLOR_UNSPECIFIED", number: 0 },
        { name: "RED", number: 1 },
        { name: "BLUE", number: 2 },
      ],
    },
  ],
  messageType: [
    {
      name: "Inner",
      field: [
        ["name", 1, T.STRING],
        ["color", 2, T.ENUM, ".aloft.test.Color"],
        ["child", 3, T.MESSAGE, ".aloft.test.Inner"],
      ].map((f) => field(f as FieldSpec)),
    },
    {
      name: "All",
      nestedType: [mapEntry("LabelsEntry", T.STRING), mapEntry("InnerMapEntry", T.MESSAGE, ".aloft.test.Inner")],
      oneofDecl: [{ name: "choice" }, { name: "_opt" }],
      field: (
        [
          ["i32", 1, T.INT32],
          ["i64", 2, T.INT64],
          ["u32", 3, T.UINT32],
          ["u64", 4, T.UINT64],
          ["f", 5, T.FLOAT],
          ["d", 6, T.DOUBLE],
          ["b", 7, T.BOOL],
          ["s", 8, T.STRING],
          ["by", 9, T.BYTES],
          ["color", 10, T.ENUM, ".aloft.test.Color"],
          ["colors", 11, T.ENUM, ".aloft.test.Color", L.REPEATED],
          ["names", 12, T.STRING, undefined, L.REPEATED],
          ["labels", 13, T.MESSAGE, ".aloft.test.All.LabelsEntry", L.REPEATED],
          ["ts", 14, T.MESSAGE, ".google.protobuf.Timestamp"],
          ["dur", 15, T.MESSAGE, ".google.protobuf.Duration"],
          ["inner", 16, T.MESSAGE, ".aloft.test.Inner"],
          ["wrapped", 17, T.MESSAGE, ".google.protobuf.Int64Value"],
          ["mask", 18, T.MESSAGE, ".google.protobuf.FieldMask"],
          ["a", 19, T.STRING, undefined, undefined, 0],
          ["b_inner", 20, T.MESSAGE, ".aloft.test.Inner", undefined, 0],
          ["st", 21, T.MESSAGE, ".google.protobuf.Struct"],
          ["snake_case_name", 22, T.STRING],
          ["nums", 23, T.INT32, undefined, L.REPEATED],
          ["inners", 24, T.MESSAGE, ".aloft.test.Inner", L.REPEATED],
          ["inner_map", 25, T.MESSAGE, ".aloft.test.All.InnerMapEntry", L.REPEATED],
          ["opt", 26, T.STRING, undefined, undefined, 1, true],
        ] as FieldSpec[]
      ).map(field),
    },
  ],
  // Rules flyteidl does not use: a body field, a custom method, a verb, `**`, a variable pattern, a bad rule.
  service: [
    {
      name: "TestService",
      method: [
        {
          name: "PatchInner",
          options: httpOption({ pattern: { case: "patch", value: "/v1/things/{s}" }, body: "inner" }),
        },
        {
          name: "Custom",
          options: httpOption({ pattern: { case: "custom", value: { kind: "LIST", path: "/v1/things" } } }),
        },
        {
          name: "Cancel",
          options: httpOption({ pattern: { case: "post", value: "/v1/things/{s}:cancel" }, body: "*" }),
        },
        {
          name: "Deep",
          options: httpOption({ pattern: { case: "get", value: "/v1/deep/{inner.child.name=shelves/*}/x/{s=**}" } }),
        },
        { name: "Files", options: httpOption({ pattern: { case: "get", value: "/v1/files/{s=**}" } }) },
        { name: "BadVariable", options: httpOption({ pattern: { case: "get", value: "/v1/bad/{nope}" } }) },
        { name: "BadTemplate", options: httpOption({ pattern: { case: "get", value: "v1/no-slash" } }) },
        { name: "NoRule" },
      ].map((m) => ({ ...m, inputType: ".aloft.test.All", outputType: ".aloft.test.All" })),
    },
  ],
});

const deps: Record<string, typeof file_google_protobuf_timestamp> = {
  "google/protobuf/timestamp.proto": file_google_protobuf_timestamp,
  "google/protobuf/duration.proto": file_google_protobuf_duration,
  "google/protobuf/wrappers.proto": file_google_protobuf_wrappers,
  "google/protobuf/field_mask.proto": file_google_protobuf_field_mask,
  "google/protobuf/struct.proto": file_google_protobuf_struct,
};

export const testRegistry = createFileRegistry(fileProto, (name) => deps[name]);
export const AllSchema = testRegistry.getMessage("aloft.test.All") as DescMessage;
export const InnerSchema = testRegistry.getMessage("aloft.test.Inner") as DescMessage;
export const TestService = testRegistry.getService("aloft.test.TestService") as DescService;
