// `aloft delete attributes`
import { Command } from "commander";
import { attributesDeleteCommand } from "./attributes.ts";

export function deleteCommand(): Command {
  return new Command("delete").description("delete matchable attributes").addCommand(attributesDeleteCommand());
}
