// External file uploads (files.uploadV2 in @slack/web-api v8):
//   1. files.getUploadURLExternal {filename, length, snippet_type?} -> {upload_url, file_id}
//   2. POST the bytes to upload_url: the SDK sends multipart/form-data with one file part named
//      "body" (WebClient.postFileUploadsToExternalURL); Slack also takes raw bytes. Answers 200.
//   3. files.completeUploadExternal {files:[{id,title}], channel_id?, thread_ts?, initial_comment?}
// Error codes from the method reference pages (docs.slack.dev/reference/methods/files.*).

import type { IncomingMessage } from "node:http";
import { headerValue } from "../http-server.ts";
import { int, str } from "./api-request.ts";
import {
  ApiError,
  invalidArguments,
  type MethodContext,
  type MethodSpec,
  messageBlocks,
  threadRoot,
} from "./context.ts";
import type { FakeFile, FakeMessage, SlackState } from "./state.ts";

/** Snippets are limited to 1 MB (snippet_too_large). */
export const SNIPPET_MAX_BYTES = 1024 * 1024;
/** alt_txt is limited to 1000 characters (alt_txt_too_large). */
export const ALT_TEXT_MAX = 1000;

/** Syntax types of Slack's file-type table that make sense for a text snippet. */
export const SNIPPET_TYPES: ReadonlySet<string> = new Set([
  "auto",
  "text",
  "applescript",
  "boxnote",
  "c",
  "csharp",
  "cpp",
  "css",
  "csv",
  "clojure",
  "coffeescript",
  "cfm",
  "d",
  "dart",
  "diff",
  "dockerfile",
  "erlang",
  "fsharp",
  "fortran",
  "go",
  "groovy",
  "html",
  "handlebars",
  "haskell",
  "haxe",
  "java",
  "javascript",
  "json",
  "kotlin",
  "latex",
  "lisp",
  "lua",
  "markdown",
  "matlab",
  "mumps",
  "objc",
  "ocaml",
  "pascal",
  "perl",
  "php",
  "pig",
  "post",
  "powershell",
  "puppet",
  "python",
  "r",
  "ruby",
  "rust",
  "sql",
  "sass",
  "scala",
  "scheme",
  "shell",
  "smalltalk",
  "swift",
  "tsv",
  "typescript",
  "vb",
  "vbscript",
  "velocity",
  "verilog",
  "xml",
  "yaml",
]);

function getUploadUrl(ctx: MethodContext) {
  const filename = str(ctx.params, "filename");
  if (filename === undefined) throw invalidArguments("missing required field: filename");
  if (ctx.params["length"] === undefined) throw invalidArguments("missing required field: length");
  const length = int(ctx.params, "length");
  if (length === undefined || length < 0) throw invalidArguments("invalid `length`");
  // The reference: missing_argument "typically only occurs when the length provided is 0".
  if (length === 0) throw new ApiError("missing_argument");
  const snippetType = str(ctx.params, "snippet_type");
  if (snippetType !== undefined && !SNIPPET_TYPES.has(snippetType))
    throw invalidArguments(`invalid \`snippet_type\`: ${snippetType}`);
  if (snippetType !== undefined && length > SNIPPET_MAX_BYTES)
    throw new ApiError("snippet_too_large");
  const altText = str(ctx.params, "alt_txt") ?? str(ctx.params, "alt_text");
  if (altText !== undefined && altText.length > ALT_TEXT_MAX)
    throw new ApiError("alt_txt_too_large");

  const id = ctx.state.newId("F");
  ctx.state.files.set(id, {
    id,
    filename,
    title: filename,
    snippetType,
    length,
    content: "",
    bytes: undefined,
    completed: false,
    channel: undefined,
    threadTs: undefined,
    initialComment: undefined,
    messageTs: undefined,
  });
  return { upload_url: `${ctx.baseUrl}/upload/v1/${id}`, file_id: id };
}

interface FileRef {
  id: string;
  title: string | undefined;
}

function readFileRefs(ctx: MethodContext): FileRef[] {
  const files = ctx.params["files"];
  if (ctx.badJson.has("files") || !Array.isArray(files) || files.length === 0)
    throw invalidArguments("invalid `files`: expected a JSON array of {id, title}");
  return files.map((entry, i) => {
    const ref = entry as Record<string, unknown>;
    if (typeof ref !== "object" || ref === null || typeof ref["id"] !== "string")
      throw invalidArguments(`invalid \`files\` item ${i}: id is required`);
    if (ref["title"] !== undefined && typeof ref["title"] !== "string")
      throw invalidArguments(`invalid \`files\` item ${i}: title must be a string`);
    return { id: ref["id"], title: ref["title"] };
  });
}

function completeUpload(ctx: MethodContext) {
  const refs = readFileRefs(ctx);
  const files = refs.map((ref) => {
    const file = ctx.state.files.get(ref.id);
    // Unknown, never uploaded, or already completed ("This method can only be called once").
    if (!file || file.bytes === undefined || file.completed) throw new ApiError("file_not_found");
    return { file, ref };
  });

  const channelId = str(ctx.params, "channel_id") ?? str(ctx.params, "channels");
  if (channelId?.includes(",")) throw invalidArguments("only one channel is supported");
  const channel = channelId === undefined ? undefined : ctx.state.channels.get(channelId);
  if (channelId !== undefined && !channel) throw new ApiError("channel_not_found");
  if (channel?.isArchived) throw new ApiError("is_archived");
  if (!channel && str(ctx.params, "thread_ts") !== undefined)
    throw invalidArguments("thread_ts requires channel_id");
  const threadTs = channel ? threadRoot(ctx, channel.id) : undefined;
  const initialComment = str(ctx.params, "initial_comment");
  const blocks = messageBlocks(ctx);

  let messageTs: string | undefined;
  if (channel) {
    const version = {
      text: initialComment ?? "",
      // Documented: when initial_comment is given, blocks are ignored.
      blocks: initialComment === undefined ? blocks : undefined,
      attachments: undefined,
      metadata: undefined,
    };
    const message: FakeMessage = {
      channel: channel.id,
      ts: ctx.state.ts.next(),
      threadTs,
      ...version,
      user: ctx.config.botUserId,
      botId: ctx.config.botId,
      replyBroadcast: false,
      files: files.map(({ file }) => file.id),
      updates: 0,
      versions: [version],
      reactions: [],
    };
    ctx.state.messages.push(message);
    messageTs = message.ts;
  }
  for (const { file, ref } of files) {
    Object.assign(file, {
      title: ref.title ?? file.filename,
      completed: true,
      channel: channel?.id,
      threadTs,
      initialComment,
      messageTs,
    } satisfies Partial<FakeFile>);
  }
  return {
    files: files.map(({ file }) => ({ id: file.id, title: file.title, name: file.filename })),
  };
}

export const FILE_METHODS: Record<string, MethodSpec> = {
  // The reference lists only form encoding for this one, and a JSON body is refused live.
  "files.getUploadURLExternal": { tier: 4, acceptsJson: false, jsonFields: [], run: getUploadUrl },
  "files.completeUploadExternal": {
    tier: 4,
    acceptsJson: true,
    jsonFields: ["files", "blocks"],
    run: completeUpload,
  },
};

export interface UploadOutcome {
  status: number;
  text: string;
}

/** POST <upload_url>: multipart with exactly one file part, or the raw bytes. */
export async function receiveUpload(
  state: SlackState,
  fileId: string,
  req: IncomingMessage,
  body: Buffer,
): Promise<UploadOutcome> {
  const file = state.files.get(fileId);
  if (!file) return { status: 404, text: "upload url not found" };
  if (file.bytes !== undefined || file.completed)
    return { status: 400, text: "upload already received" };
  const bytes = await uploadedBytes(req, body);
  if (typeof bytes === "string") return { status: 400, text: bytes };
  if (bytes.length !== file.length)
    return {
      status: 400,
      text: `length mismatch: declared ${file.length} bytes, received ${bytes.length}`,
    };
  file.bytes = bytes;
  file.content = bytes.toString("utf8");
  return { status: 200, text: `OK - ${bytes.length}` };
}

async function uploadedBytes(req: IncomingMessage, body: Buffer): Promise<Buffer | string> {
  const contentType = headerValue(req, "content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) return body;
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    return "malformed multipart body";
  }
  const parts = [...form.values()].filter((v): v is File => typeof v !== "string");
  if (parts.length !== 1 || !parts[0]) return `expected exactly one file part, got ${parts.length}`;
  return Buffer.from(await parts[0].arrayBuffer());
}
