// typescript-eslint's parser, except that `import type` / `export type ... from` are marked as value
// imports. eslint-plugin-import-x's no-cycle skips type-only imports with no option to keep them,
// but a type-only cycle still ties two layers together (auth importing a type from the tRPC layer
// that imports auth), so the lint counts them.
import { parser } from 'typescript-eslint';

export default {
  meta: { name: 'quantbase/value-imports-parser' },
  /** The typescript-eslint parse, with every import and re-export turned into a value one. */
  parseForESLint(code, options) {
    const result = parser.parseForESLint(code, options);
    for (const node of result.ast.body) {
      if (node.type === 'ImportDeclaration') {
        node.importKind = 'value';
        for (const specifier of node.specifiers) if (specifier.type === 'ImportSpecifier') specifier.importKind = 'value';
      } else if ((node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') && node.source) {
        node.exportKind = 'value';
        if (node.type === 'ExportNamedDeclaration') for (const specifier of node.specifiers) specifier.exportKind = 'value';
      }
    }
    return result;
  },
};
