/** Reports of a study: a self-contained HTML page and a JSON document. */
export {
  describeDocument,
  documentTitle,
  parseReportDocument,
  type ReportDocument,
  type ReportDocumentKind,
  renderDocumentFragment,
  renderDocumentPage,
} from "./documents.js";
export { type ReportContext, reportContextOf, reportDataOf, studyRuns } from "./from-explorer.js";
export { renderHtmlReport } from "./html.js";
export { renderJsonReport, reportDataFromJson } from "./json.js";
export type { PrivacyCostGroupRow, PrivacyCostSection, PrivacyCostTrialRow } from "./privacy-cost.js";
export type {
  DatasetInfo,
  FairnessGapName,
  GroupMetrics,
  HypervolumePoint,
  NormalisedObjectives,
  ParamValue,
  PerGroupMetrics,
  ReferenceModel,
  ReportData,
  ReportTrial,
  StudyRun,
  StudySettings,
  TrialMetrics,
  TrialState,
} from "./types.js";
