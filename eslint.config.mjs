// ESLint for the report's own scripts (review/static/*.js); the vendored library keeps its upstream form.
// ESLint 9, not 10: 9 runs on Node 18.18 or newer (Debian's nodejs), 10 needs 20.19.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["review/static/uplot-*.js", "node_modules/**", ".venv/**"] },
  js.configs.recommended,
  {
    files: ["review/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    rules: {
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "no-implicit-globals": "off",
    },
  },
];
