import { HOME_ACTIONS, HOME_BLOCKS } from "../../ids.ts";
import { button } from "../buttons.ts";
import { context, header, section } from "../parts.ts";
import type { KnownBlock } from "../types.ts";
import type { SetupLine, SetupSection } from "./model.ts";

const ICON = { true: "✅", false: "❌", pending: "⏳" } as const;

/** The admins' setup check: one line per check, each failed one with its fix, and the button. */
export function setupBlocks(setup: SetupSection): KnownBlock[] {
  return [
    header("Setup check"),
    context("Only workspace admins and owners see this section."),
    section(lines(setup.live)),
    section(`${setup.report.heading}\n${lines(setup.report.lines)}`.trim()),
    {
      type: "actions",
      block_id: HOME_BLOCKS.setup,
      elements: [button("Run setup check", HOME_ACTIONS.setupCheck, { value: "run" })],
    },
  ];
}

function lines(items: SetupLine[]): string {
  return items.map(line).join("\n");
}

function line(item: SetupLine): string {
  const text = `${ICON[String(item.ok) as keyof typeof ICON]} ${item.text}`;
  return item.fix && item.ok !== true ? `${text}\n      ↳ _${item.fix}_` : text;
}
