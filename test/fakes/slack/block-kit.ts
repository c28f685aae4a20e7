// Block Kit validation for the fake Slack: the documented limits, as tables.
// Problems are reported like Slack does: "[ERROR] <problem> [json-pointer:/blocks/0/text/text]".
// Unknown keys are tolerated (Slack's exact policy is not documented); unknown block and element
// types, wrong placements, missing required fields and every documented limit are rejected.

export type Surface = "message" | "modal" | "home";
export type ViewType = "modal" | "home";

/** Documented Block Kit limits (docs.slack.dev/reference/block-kit). */
export const LIMITS = {
  blocksPerSurface: { message: 50, modal: 100, home: 100 },
  blockId: 255,
  actionId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  markdownText: 12_000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  accessibilityLabel: 75,
  placeholder: 150,
  options: 100,
  optionText: 75,
  optionValue: 150,
  overflowOptions: { min: 1, max: 5 },
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageAltText: 2000,
  imageTitle: 2000,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInputMaxLength: 3000,
  viewTitle: 24,
  viewSubmit: 24,
  viewClose: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
} as const;

export interface BlockIssue {
  pointer: string;
  problem: string;
}

export function formatIssue(issue: BlockIssue): string {
  return `[ERROR] ${issue.problem} [json-pointer:${issue.pointer}]`;
}

type Obj = Record<string, unknown>;
type Check = (c: Checker, value: Obj, at: string) => void;

class Checker {
  readonly issues: BlockIssue[] = [];
  fail(pointer: string, problem: string): void {
    this.issues.push({ pointer, problem });
  }
}

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------- primitive checks ----------

interface StringRule {
  required?: boolean;
  max?: number;
  allowEmpty?: boolean;
}

function checkString(c: Checker, obj: Obj, key: string, at: string, rule: StringRule): void {
  const value = obj[key];
  const here = `${at}/${key}`;
  if (value === undefined) {
    if (rule.required) c.fail(here, "is required");
    return;
  }
  if (typeof value !== "string") {
    c.fail(here, "must be a string");
    return;
  }
  if (value.length === 0 && !rule.allowEmpty) {
    c.fail(here, "must be more than 0 characters");
    return;
  }
  if (rule.max !== undefined && value.length > rule.max)
    c.fail(here, `must be less than ${rule.max + 1} characters`);
}

interface TextRule {
  max: number;
  required?: boolean;
  plainOnly?: boolean;
}

function checkText(c: Checker, obj: Obj, key: string, at: string, rule: TextRule): void {
  const value = obj[key];
  const here = `${at}/${key}`;
  if (value === undefined) {
    if (rule.required) c.fail(here, "is required");
    return;
  }
  checkTextObject(c, value, here, rule);
}

function checkTextObject(c: Checker, value: unknown, at: string, rule: TextRule): void {
  if (!isObject(value)) {
    c.fail(at, "must be a text object");
    return;
  }
  const allowed = rule.plainOnly ? ["plain_text"] : ["plain_text", "mrkdwn"];
  if (typeof value["type"] !== "string" || !allowed.includes(value["type"])) {
    c.fail(`${at}/type`, `must be one of ${allowed.join(", ")}`);
    return;
  }
  checkString(c, value, "text", at, { required: true, max: rule.max });
}

function checkArray(
  c: Checker,
  obj: Obj,
  key: string,
  at: string,
  rule: { required?: boolean; min?: number; max?: number },
): unknown[] | undefined {
  const value = obj[key];
  const here = `${at}/${key}`;
  if (value === undefined) {
    if (rule.required) c.fail(here, "is required");
    return undefined;
  }
  if (!Array.isArray(value)) {
    c.fail(here, "must be an array");
    return undefined;
  }
  if (value.length < (rule.min ?? 0)) c.fail(here, `must provide at least ${rule.min} items`);
  if (rule.max !== undefined && value.length > rule.max)
    c.fail(here, `no more than ${rule.max} items allowed`);
  return value;
}

function checkEnum(c: Checker, obj: Obj, key: string, at: string, values: string[]): void {
  const value = obj[key];
  if (value !== undefined && (typeof value !== "string" || !values.includes(value)))
    c.fail(`${at}/${key}`, `must be one of ${values.join(", ")}`);
}

function checkBoolean(c: Checker, obj: Obj, key: string, at: string): void {
  if (obj[key] !== undefined && typeof obj[key] !== "boolean")
    c.fail(`${at}/${key}`, "must be a boolean");
}

// ---------- composition objects ----------

function checkConfirm(c: Checker, obj: Obj, at: string): void {
  const confirm = obj["confirm"];
  if (confirm === undefined) return;
  const here = `${at}/confirm`;
  if (!isObject(confirm)) {
    c.fail(here, "must be an object");
    return;
  }
  checkText(c, confirm, "title", here, {
    required: true,
    max: LIMITS.confirmTitle,
    plainOnly: true,
  });
  checkText(c, confirm, "text", here, { required: true, max: LIMITS.confirmText });
  checkText(c, confirm, "confirm", here, {
    required: true,
    max: LIMITS.confirmButton,
    plainOnly: true,
  });
  checkText(c, confirm, "deny", here, {
    required: true,
    max: LIMITS.confirmButton,
    plainOnly: true,
  });
  checkEnum(c, confirm, "style", here, ["primary", "danger"]);
}

function checkOption(c: Checker, option: unknown, at: string, plainOnly: boolean): void {
  if (!isObject(option)) {
    c.fail(at, "must be an option object");
    return;
  }
  checkText(c, option, "text", at, { required: true, max: LIMITS.optionText, plainOnly });
  checkString(c, option, "value", at, { required: true, max: LIMITS.optionValue });
  checkText(c, option, "description", at, { max: LIMITS.optionText, plainOnly });
  checkString(c, option, "url", at, { max: LIMITS.url });
}

function checkOptions(
  c: Checker,
  obj: Obj,
  at: string,
  rule: { min?: number; max: number; plainOnly: boolean; required: boolean },
): void {
  const options = checkArray(c, obj, "options", at, rule);
  options?.forEach((option, i) => {
    checkOption(c, option, `${at}/options/${i}`, rule.plainOnly);
  });
}

// ---------- elements ----------

const SELECTS = [
  "static_select",
  "external_select",
  "users_select",
  "conversations_select",
  "channels_select",
] as const;
const MULTI_SELECTS = SELECTS.map((s) => `multi_${s}`);

function checkSelect(c: Checker, e: Obj, at: string): void {
  checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true });
  checkConfirm(c, e, at);
  if (e["type"] === "static_select" || e["type"] === "multi_static_select") {
    const hasGroups = e["option_groups"] !== undefined;
    checkOptions(c, e, at, { max: LIMITS.options, plainOnly: true, required: !hasGroups });
    const groups = checkArray(c, e, "option_groups", at, { max: LIMITS.options });
    groups?.forEach((group, i) => {
      const here = `${at}/option_groups/${i}`;
      if (!isObject(group)) {
        c.fail(here, "must be an object");
        return;
      }
      checkText(c, group, "label", here, {
        required: true,
        max: LIMITS.optionText,
        plainOnly: true,
      });
      checkOptions(c, group, here, { max: LIMITS.options, plainOnly: true, required: true });
    });
  }
}

function checkPlainTextInput(c: Checker, e: Obj, at: string): void {
  checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true });
  const max = e["max_length"];
  if (max !== undefined && (typeof max !== "number" || max > LIMITS.plainTextInputMaxLength))
    c.fail(`${at}/max_length`, `must be a number up to ${LIMITS.plainTextInputMaxLength}`);
  checkBoolean(c, e, "multiline", at);
}

function checkImageElement(c: Checker, e: Obj, at: string): void {
  if (e["image_url"] === undefined && e["slack_file"] === undefined)
    c.fail(at, "must provide image_url or slack_file");
  checkString(c, e, "image_url", at, { max: LIMITS.url });
  checkString(c, e, "alt_text", at, { required: true, max: LIMITS.imageAltText });
}

const ELEMENTS: Record<string, Check> = {
  button: (c, e, at) => {
    checkText(c, e, "text", at, { required: true, max: LIMITS.buttonText, plainOnly: true });
    checkString(c, e, "value", at, { max: LIMITS.buttonValue });
    checkString(c, e, "url", at, { max: LIMITS.url });
    checkString(c, e, "accessibility_label", at, { max: LIMITS.accessibilityLabel });
    checkEnum(c, e, "style", at, ["primary", "danger"]);
    checkConfirm(c, e, at);
  },
  workflow_button: (c, e, at) => {
    checkText(c, e, "text", at, { required: true, max: LIMITS.buttonText, plainOnly: true });
    if (!isObject(e["workflow"])) c.fail(`${at}/workflow`, "is required");
    checkEnum(c, e, "style", at, ["primary", "danger"]);
  },
  overflow: (c, e, at) => {
    checkOptions(c, e, at, { ...LIMITS.overflowOptions, plainOnly: true, required: true });
    checkConfirm(c, e, at);
  },
  checkboxes: (c, e, at) => {
    checkOptions(c, e, at, { min: 1, max: 10, plainOnly: false, required: true });
    checkConfirm(c, e, at);
  },
  radio_buttons: (c, e, at) => {
    checkOptions(c, e, at, { min: 1, max: 10, plainOnly: false, required: true });
    checkConfirm(c, e, at);
  },
  datepicker: (c, e, at) =>
    checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true }),
  timepicker: (c, e, at) =>
    checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true }),
  datetimepicker: () => {},
  plain_text_input: checkPlainTextInput,
  email_text_input: (c, e, at) =>
    checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true }),
  url_text_input: (c, e, at) =>
    checkText(c, e, "placeholder", at, { max: LIMITS.placeholder, plainOnly: true }),
  number_input: (c, e, at) => {
    if (typeof e["is_decimal_allowed"] !== "boolean")
      c.fail(`${at}/is_decimal_allowed`, "is required");
  },
  rich_text_input: () => {},
  file_input: () => {},
  image: checkImageElement,
  ...Object.fromEntries([...SELECTS, ...MULTI_SELECTS].map((type) => [type, checkSelect])),
};

const INTERACTIVE = [
  "button",
  "workflow_button",
  "overflow",
  "checkboxes",
  "radio_buttons",
  "datepicker",
  "timepicker",
  "datetimepicker",
  ...SELECTS,
  ...MULTI_SELECTS,
];
/** Which element types each container accepts (block reference, "Compatible elements"). */
const PLACEMENT = {
  actions: new Set(INTERACTIVE),
  accessory: new Set([...INTERACTIVE.filter((t) => t !== "datetimepicker"), "image"]),
  input: new Set([
    ...INTERACTIVE.filter((t) => t !== "button" && t !== "workflow_button" && t !== "overflow"),
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "file_input",
  ]),
} as const;

/** Validates one element; `actionIds` enforces uniqueness of action_id within its block. */
function checkElement(
  c: Checker,
  element: unknown,
  at: string,
  allowed: Set<string>,
  actionIds: Set<string>,
): void {
  if (!isObject(element)) {
    c.fail(at, "must be an element object");
    return;
  }
  const type = element["type"];
  if (typeof type !== "string" || !(type in ELEMENTS)) {
    c.fail(`${at}/type`, `unsupported type: ${String(type)}`);
    return;
  }
  if (!allowed.has(type)) {
    c.fail(`${at}/type`, `${type} is not allowed here`);
    return;
  }
  if (type !== "image") {
    checkString(c, element, "action_id", at, { max: LIMITS.actionId });
    const actionId = element["action_id"];
    if (typeof actionId === "string") {
      if (actionIds.has(actionId)) c.fail(`${at}/action_id`, `duplicate action_id: ${actionId}`);
      actionIds.add(actionId);
    }
  }
  ELEMENTS[type]?.(c, element, at);
}

// ---------- blocks ----------

const ALL: readonly Surface[] = ["message", "modal", "home"];

interface BlockSpec {
  surfaces: readonly Surface[];
  check: Check;
}

const BLOCKS: Record<string, BlockSpec> = {
  section: {
    surfaces: ALL,
    check: (c, b, at) => {
      if (b["text"] === undefined && b["fields"] === undefined)
        c.fail(at, "must provide text or fields");
      checkText(c, b, "text", at, { max: LIMITS.sectionText });
      const fields = checkArray(c, b, "fields", at, { min: 1, max: LIMITS.sectionFields });
      fields?.forEach((field, i) => {
        checkTextObject(c, field, `${at}/fields/${i}`, { max: LIMITS.sectionFieldText });
      });
      if (b["accessory"] !== undefined)
        checkElement(c, b["accessory"], `${at}/accessory`, PLACEMENT.accessory, new Set());
      checkBoolean(c, b, "expand", at);
    },
  },
  header: {
    surfaces: ALL,
    check: (c, b, at) =>
      checkText(c, b, "text", at, { required: true, max: LIMITS.headerText, plainOnly: true }),
  },
  divider: { surfaces: ALL, check: () => {} },
  context: {
    surfaces: ALL,
    check: (c, b, at) => {
      const elements = checkArray(c, b, "elements", at, {
        required: true,
        min: 1,
        max: LIMITS.contextElements,
      });
      elements?.forEach((element, i) => {
        const here = `${at}/elements/${i}`;
        if (isObject(element) && element["type"] === "image") checkImageElement(c, element, here);
        else checkTextObject(c, element, here, { max: LIMITS.sectionText });
      });
    },
  },
  actions: {
    surfaces: ALL,
    check: (c, b, at) => {
      const elements = checkArray(c, b, "elements", at, {
        required: true,
        min: 1,
        max: LIMITS.actionsElements,
      });
      const actionIds = new Set<string>();
      elements?.forEach((element, i) => {
        checkElement(c, element, `${at}/elements/${i}`, PLACEMENT.actions, actionIds);
      });
    },
  },
  image: {
    surfaces: ALL,
    check: (c, b, at) => {
      checkImageElement(c, b, at);
      checkText(c, b, "title", at, { max: LIMITS.imageTitle, plainOnly: true });
    },
  },
  input: {
    surfaces: ALL,
    check: (c, b, at) => {
      checkText(c, b, "label", at, { required: true, max: LIMITS.inputLabel, plainOnly: true });
      checkText(c, b, "hint", at, { max: LIMITS.inputHint, plainOnly: true });
      if (b["element"] === undefined) c.fail(`${at}/element`, "is required");
      else checkElement(c, b["element"], `${at}/element`, PLACEMENT.input, new Set());
      checkBoolean(c, b, "optional", at);
      checkBoolean(c, b, "dispatch_action", at);
    },
  },
  rich_text: {
    surfaces: ALL,
    check: (c, b, at) => void checkArray(c, b, "elements", at, { required: true }),
  },
  markdown: {
    surfaces: ["message"],
    check: (c, b, at) => {
      if (typeof b["text"] !== "string" || b["text"].length === 0)
        c.fail(`${at}/text`, "is required");
      else if (b["text"].length > LIMITS.markdownText)
        c.fail(`${at}/text`, `must be less than ${LIMITS.markdownText + 1} characters`);
    },
  },
  file: {
    surfaces: ["message"],
    check: (c, b, at) => {
      checkString(c, b, "external_id", at, { required: true });
      checkEnum(c, b, "source", at, ["remote"]);
    },
  },
  video: {
    surfaces: ALL,
    check: (c, b, at) => {
      for (const key of ["video_url", "thumbnail_url", "alt_text"])
        checkString(c, b, key, at, { required: true });
      checkText(c, b, "title", at, { required: true, max: 200, plainOnly: true });
    },
  },
};

function checkBlocksInto(c: Checker, blocks: unknown, surface: Surface, at: string): void {
  if (!Array.isArray(blocks)) {
    c.fail(at, "must be an array");
    return;
  }
  const max = LIMITS.blocksPerSurface[surface];
  if (blocks.length > max) c.fail(at, `no more than ${max} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const here = `${at}/${i}`;
    if (!isObject(block)) {
      c.fail(here, "must be a block object");
      return;
    }
    const spec = typeof block["type"] === "string" ? BLOCKS[block["type"]] : undefined;
    if (!spec) {
      c.fail(`${here}/type`, `unsupported type: ${String(block["type"])}`);
      return;
    }
    if (!spec.surfaces.includes(surface)) {
      c.fail(`${here}/type`, `${String(block["type"])} blocks are not allowed in a ${surface}`);
      return;
    }
    checkString(c, block, "block_id", here, { max: LIMITS.blockId });
    if (typeof block["block_id"] === "string") {
      if (blockIds.has(block["block_id"]))
        c.fail(`${here}/block_id`, `duplicate block_id: ${block["block_id"]}`);
      blockIds.add(block["block_id"]);
    }
    spec.check(c, block, here);
  });
}

/** Validates the `blocks` of a message (or of a view, with surface modal/home). */
export function validateBlocks(
  blocks: unknown,
  surface: Surface,
  pointer = "/blocks",
): BlockIssue[] {
  const c = new Checker();
  checkBlocksInto(c, blocks, surface, pointer);
  return c.issues;
}

/** Validates a view payload (views.open / views.update / views.publish). */
export function validateView(view: unknown, allowed: readonly ViewType[]): BlockIssue[] {
  const c = new Checker();
  const at = "/view";
  if (!isObject(view)) {
    c.fail(at, "must be a view object");
    return c.issues;
  }
  const type = view["type"];
  if (typeof type !== "string" || !allowed.includes(type as ViewType)) {
    c.fail(`${at}/type`, `must be one of ${allowed.join(", ")}`);
    return c.issues;
  }
  if (type === "modal") {
    checkText(c, view, "title", at, { required: true, max: LIMITS.viewTitle, plainOnly: true });
    checkText(c, view, "submit", at, { max: LIMITS.viewSubmit, plainOnly: true });
    checkText(c, view, "close", at, { max: LIMITS.viewClose, plainOnly: true });
    const hasInput =
      Array.isArray(view["blocks"]) &&
      view["blocks"].some((b) => isObject(b) && b["type"] === "input");
    if (hasInput && view["submit"] === undefined)
      c.fail(`${at}/submit`, "is required when the view has input blocks");
  }
  if (view["private_metadata"] !== undefined) {
    if (typeof view["private_metadata"] !== "string")
      c.fail(`${at}/private_metadata`, "must be a string");
    else if (view["private_metadata"].length > LIMITS.privateMetadata)
      c.fail(
        `${at}/private_metadata`,
        `must be less than ${LIMITS.privateMetadata + 1} characters`,
      );
  }
  checkString(c, view, "callback_id", at, { max: LIMITS.callbackId, allowEmpty: true });
  checkString(c, view, "external_id", at, { max: LIMITS.externalId, allowEmpty: true });
  if (view["blocks"] === undefined) c.fail(`${at}/blocks`, "is required");
  else checkBlocksInto(c, view["blocks"], type as ViewType, `${at}/blocks`);
  return c.issues;
}
