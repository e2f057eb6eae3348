// Every `code` a problem+json answer can carry (api.md "Refusals carry a code"), with what it
// means. The one list: the API and the workflow name codes from it, the console has words for
// each (its catalogues are typed by it), and the README's table repeats it. No zod, so the web
// console and the workflows (as a type) share it as it is. A new refusal adds its code here and
// its words in web/src/i18n/en.ts and zh-CN.ts (`refusal.<code>`).

export const REFUSAL_CODES = {
  // The request itself
  validation_failed: 'a field is missing, unknown, or not of the right type or form; errors[] names it',
  occurred_at_out_of_range:
    'a timestamp is not a real instant within the accepted range (years 1970–2100, offset within ±14:00, not in the future for what has happened, not before the case allows); errors[] names it',
  date_out_of_range:
    'a date is older than the policy allows (deadlines.maxCaseAge, four years), so it cannot be a real case’s date',
  malformed_json: 'the body is not valid JSON',
  body_not_object: 'the body is JSON but not an object',
  body_too_deep: 'the body nests objects or arrays deeper than any the API takes (32 levels)',
  nul_character: 'a text field holds a NUL character',
  payload_too_large: 'the body is larger than the API accepts',
  unsupported_media_type: 'the body is not of a media type the route accepts',
  invalid_url: 'the URL cannot be read',
  uri_too_long: 'a path segment is too long',
  method_not_allowed: 'the path exists but not with this method; the Allow header lists those it has',
  cursor_invalid: 'the list cursor is not one this API returned',
  date_range_invalid: 'the start of a date range is not before its end',
  jurisdiction_not_yours: 'the jurisdiction asked for is not within the caller’s',
  audit_reason_invalid: 'the X-Audit-Reason header is invalid',
  idempotency_key_invalid: 'the Idempotency-Key header is not 1 to 200 visible ASCII characters',
  idempotency_key_reused: 'this Idempotency-Key was already used with a different request body',
  idempotency_in_progress: 'a request with this Idempotency-Key is still in progress',
  codec_failed: 'the payloads could not be encoded or decoded (wrong key or damaged data)',
  codec_not_encrypted:
    "no longer sent (v1.2: a payload that is not the codec's own comes back unchanged); kept so older clients still have words for it",
  // Who may ask
  unauthenticated: 'no valid bearer token; log in at POST /v1/auth/login',
  wrong_credentials: 'wrong username or password',
  password_too_weak:
    'the new password is shorter than 12 characters, equals the username or is a common password',
  current_password_wrong: 'the current password given to change it is wrong',
  forbidden: 'the caller’s role may not do this',
  id_number_search_forbidden: 'the caller’s role sees ID numbers masked and may not search by one',
  rate_limited: 'too many attempts; try again after the time the detail gives',
  too_many_at_once:
    'the user already has 2 documents, exports, reports or imports under way; Retry-After says when to try again',
  not_found: 'no such resource, or a case outside the caller’s jurisdictions',
  // The case (the workflow's refusals and the API's checks around them)
  duplicate_open_case: 'the person already has an open case (the detail and errors[] name it)',
  destination_not_yours: 'the destination is not a known jurisdiction within the caller’s',
  destination_not_a_street:
    'a destination, transfer, delegation or import jurisdiction is not a street office (a leaf of the jurisdiction tree)',
  receiving_jurisdiction_unknown: 'the receiving jurisdiction of a transfer is not known',
  not_caseworker_here: 'the person assigned is not a caseworker of the case’s jurisdiction',
  caseworker_unavailable: 'the caseworker assigned is disabled and cannot take cases',
  report_in_by_receiver: 'during a transfer, the report-in is recorded by the receiving jurisdiction',
  receiving_side_before_arrival:
    'during a transfer, the receiving jurisdiction may only read the case and record reported_in until the person arrives',
  case_closed: 'the case is closed',
  already_recorded:
    'the same fact is already recorded (the detail names the recorded event); it is counted once',
  report_in_before_release: 'the person has not been released yet; record released first',
  event_not_allowed_now: 'the event makes no sense in the case’s phase (the detail names the phase)',
  community_agreement_before_report_in: 'a community agreement is signed after report-in',
  assistance_agreement_after_release: 'the assistance agreement is signed before release',
  release_before_confirmation: 'releaseAt is before the confirmation itself',
  pickup_already_recorded: 'the pickup is already recorded',
  report_in_elsewhere: 'the person reports in at another jurisdiction; start a transfer to move them',
  until_before_from: 'a period ends before it starts',
  absence_after_found: 'an absence cannot start after it was found',
  transfer_not_allowed_now: 'a transfer cannot start in the case’s phase',
  same_jurisdiction: 'the case is already in that jurisdiction',
  no_such_task: 'the case has no task with that id',
  task_not_open: 'the task is done, cancelled or otherwise no longer open',
  extension_too_early: 'the new due time is not later than the task is due now',
  extension_too_long:
    'the new due time is more than the policy allows (deadlines.maxExtension) after the task’s due time, or past the term’s end',
  // Files: exports and printed forms
  export_too_large: 'more than 10,000 cases match the export’s filters; narrow them',
  end_of_control_not_due: 'the end-of-control proposal (R19) is not due: the engine has not drafted it',
  forms_font_missing: 'the Chinese font printed forms need is not installed on the server (503)',
  origin_not_for_role:
    'the caller’s role may not open a case this way in (a handover: liaison; a police order: caseworker, supervisor, police)',
  no_pickup_for_police_order: 'a police-ordered case has no pickup: the person was never in a facility (R22)',
  delegate_jurisdiction_unknown: 'the jurisdiction a case is delegated to is not known',
  responsible_side_only: 'only the responsible jurisdiction may do this; the delegate street may not (R23)',
  delegation_open:
    'no longer sent (v1.2: a transfer ends the delegation on arrival); kept so older clients still have words for it',
  delegation_in_transfer: 'a case in transfer is not delegated; the receiving side takes it on arrival',
  already_delegated: 'the case is already delegated to that jurisdiction',
  not_delegated: 'the case is not delegated',
  no_end_of_control_proposal: 'no end-of-control proposal (R19) is awaiting the supervisor’s approval',
  service_after_release_by_caseworker:
    'after release, services are recorded by the caseworker, not the liaison',
  officer_not_here: 'the username of a police_officer party is not a police user of the case’s jurisdiction',
  // Imports of a caseload under way (R25); a bad row is not a refusal: the report lists it
  import_unreadable: 'the file cannot be read as CSV (UTF-8) or as an .xlsx workbook with a sheet',
  import_missing_columns: 'the file lacks required columns; the first row must name them (see the template)',
  import_no_rows: 'the file has no rows below its header',
  import_too_large: 'the import file is larger than IMPORT_MAX_BYTES (20 MiB by default) (413)',
  import_too_many_rows: 'the import file has more than 50,000 rows',
  import_too_wide: 'a sheet is wider than the template by more than 10 columns',
  import_encoding:
    'the file’s text cannot be read in UTF-8 or GB18030/GBK: it would import as replacement characters',
  // The engine (5xx)
  engine_timeout: 'the engine did not confirm in time; it applies the change when the worker catches up',
  unavailable: 'a service the request needs is unavailable; try again shortly',
  internal_error: 'the request failed; the error has been logged',
} as const;

export type RefusalCode = keyof typeof REFUSAL_CODES;
export const REFUSAL_CODE_LIST = Object.keys(REFUSAL_CODES) as RefusalCode[];

/** A workflow's refusal: the stable code, the English detail and the body field it is about, if one. */
export interface Refusal {
  code: RefusalCode;
  detail: string;
  field?: string;
}
