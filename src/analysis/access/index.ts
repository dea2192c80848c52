/**
 * The access analysis: who can do what where, read from manifests. `matrix.ts` computes it from
 * what `view.ts` keeps of each manifest and what `identities.ts` finds passes the mesh; `report.ts`
 * writes it as Markdown and `diff.ts` compares two.
 */
export { AccessLevel, AccessMatrix, AccessMatrixOptions, AccessReuse, accessReuse, IdentityAccess, NamespaceAccess, RESOURCES, VERBS } from './model';
export { accessViewer } from './view';
export { accessMatrix } from './matrix';
export { accessMarkdown, DEFAULT_REPORT_CHARS, ReportOptions } from './report';
export { accessDiff, accessDiffReport } from './diff';
