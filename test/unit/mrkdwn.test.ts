import { expect, it } from "vitest";
import { codeBlock, escapeText, link } from "../../src/slack/mrkdwn.ts";

it("escapes mentions, broadcasts and links in untrusted text", () => {
  expect(escapeText("<!channel> <@U1> <https://x|y> & co")).toBe(
    "&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; &amp; co",
  );
});

it("keeps untrusted text inside its code block", () => {
  const block = codeBlock("error ``` <!here> ```");
  expect(block.startsWith("```")).toBe(true);
  expect(block.endsWith("```")).toBe(true);
  // Only the opening and closing fences remain.
  expect(block.match(/```/g)).toHaveLength(2);
  expect(block).not.toContain("<!here>");
  expect(codeBlock("x".repeat(5000), 100).length).toBeLessThan(200);
  // Escaping can quadruple the length; the limit holds after it.
  expect(codeBlock("<".repeat(2000)).length).toBeLessThan(2600);
});

it("cannot be broken out of by | or > in a link", () => {
  expect(link("https://a/b|c>d", "x|<y>")).toBe("<https://a/b%7Cc%3Ed|x¦&lt;y&gt;>");
});
