// dependency-cruiser parses TypeScript through the compiler's JS API, which TypeScript 7 (the
// native compiler the project type-checks with) does not have yet: give it TypeScript 6's.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, next) {
    const ts = specifier === "typescript" || specifier.startsWith("typescript/");
    if (ts && context.parentURL?.includes("/dependency-cruiser/")) {
      return next(specifier.replace(/^typescript/, "typescript-6"), context);
    }
    return next(specifier, context);
  },
});
