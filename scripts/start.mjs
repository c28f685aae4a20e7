// `npm start`: the bot, after checking Node's version.
import "./node-24.mjs";

await import("../src/main.ts");
