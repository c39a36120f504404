// Manager/admin endpoints: reports, alerts, recurring issues, settings.
import { query } from "../api/http";
import { session, staffRequest } from "../api/session";
import { ApiError, NetworkError } from "../api/http";
import type { Alert, Hours, Priority, Role, Tier, User } from "../api/types";

export const TREND_GROUPS = ["day", "week", "month"] as const;
export const BREAKDOWNS = ["agent", "priority", "category", "channel"] as const;
export type GroupBy = "none" | (typeof TREND_GROUPS)[number] | (typeof BREAKDOWNS)[number];

export interface ReportParams {
  from: string;
  to: string;
  hours: Hours;
  group_by: GroupBy;
}

export interface TtrGroup {
  key: string;
  label?: string | null;
  tickets: number;
  resolved: number;
  excluded: number;
  ttr: { median_s: number | null; mean_s: number | null; p90_s: number | null; km_median_s: number | null };
  frt: { responded: number; median_s: number | null; mean_s: number | null; p90_s: number | null };
  sla: { met: number; breached: number; met_pct: number | null };
  repeat_contact_pct?: number | null;
}

export interface TtrReport {
  from: string;
  to: string;
  hours: Hours;
  group_by: string;
  generated_at: string;
  groups: TtrGroup[];
}

export interface TicketFigures {
  id: number;
  reference: string;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  category: string | null;
  assignee_id: number | null;
  customer_email: string;
  created_at: string;
  first_response_s: number | null;
  first_response_business_s: number | null;
  resolution_s: number | null;
  resolution_business_s: number | null;
  repeat_contact: boolean;
}

export interface CxGroup {
  key: string;
  label?: string | null;
  resolved: number;
  responses: number;
  response_rate: number | null;
  csat_pct: number | null;
  ces_avg: number | null;
  nps: number | null;
  csat_counts: number[];
  ces_counts: number[];
  nps_counts: number[];
}

export interface CxReport {
  from: string;
  to: string;
  group_by: string;
  groups: CxGroup[];
  comments: { ticket_id: number; reference: string; comment: string; answered_at: string; csat: number | null; nps: number | null }[];
}

export interface AtRiskCustomer {
  customer_id: number;
  email: string;
  name: string;
  tier: string;
  score: number;
  reasons: string[];
  signals: { code: string; value: number; ticket: string | null }[];
  tickets: number;
  last_contact: string;
}

export interface Issue {
  id: number;
  label: string;
  terms: string[];
  ticket_count: number;
  customer_count: number;
  first_seen: string;
  last_seen: string;
  ticket_ids: number[];
  trend: { date: string; count: number }[];
  status: "open" | "dismissed" | "merged" | string;
}

export interface WeeklySlot {
  day: string;
  open: string;
  close: string;
}

export interface BusinessHours {
  timezone: string;
  weekly: WeeklySlot[];
  holidays: string[];
}

export interface SlaPolicy {
  name: string;
  priority: Priority;
  tier: Tier | null;
  first_response_s: number | null;
  next_response_s: number | null;
  resolution_s: number | null;
  hours: Hours;
  warn_at_pct: number;
}

const rp = (p: ReportParams) => ({ from: p.from, to: p.to, hours: p.hours, group_by: p.group_by });

export function ttrReport(p: ReportParams): Promise<TtrReport> {
  return staffRequest<TtrReport>(`/api/v1/reports/ttr${query(rp(p))}`);
}

/** The same report as the API's CSV (`format=csv` with the same parameters). */
export function ttrCsvPath(p: ReportParams): string {
  return `/api/v1/reports/ttr${query({ ...rp(p), format: "csv" })}`;
}

export function ttrTickets(p: ReportParams & { key: string }, cursor?: string | null): Promise<{ items: TicketFigures[]; next_cursor: string | null }> {
  return staffRequest(`/api/v1/reports/ttr/tickets${query({ ...rp(p), key: p.key, cursor, limit: 100 })}`);
}

export function cxReport(p: Omit<ReportParams, "hours">): Promise<CxReport> {
  return staffRequest<CxReport>(`/api/v1/reports/cx${query({ from: p.from, to: p.to, group_by: p.group_by })}`);
}

export function cxCsvPath(p: Omit<ReportParams, "hours">): string {
  return `/api/v1/reports/cx${query({ from: p.from, to: p.to, group_by: p.group_by, format: "csv" })}`;
}

export function atRisk(days: number): Promise<{ items: AtRiskCustomer[] }> {
  return staffRequest(`/api/v1/customers/at-risk${query({ days })}`);
}

export function listAlerts(state: string, cursor?: string | null): Promise<{ items: Alert[]; next_cursor: string | null }> {
  return staffRequest(`/api/v1/alerts${query({ state, cursor, limit: 100 })}`);
}

export function listIssues(since: string): Promise<{ items: Issue[]; since: string }> {
  return staffRequest(`/api/v1/recurring-issues${query({ since })}`);
}

export function renameIssue(id: number, label: string | null): Promise<Issue> {
  return staffRequest(`/api/v1/recurring-issues/${id}`, { method: "PATCH", body: { label } });
}

export function mergeIssue(id: number, into: number): Promise<Issue> {
  return staffRequest(`/api/v1/recurring-issues/${id}/merge`, { method: "POST", body: { into } });
}

export function dismissIssue(id: number): Promise<Issue> {
  return staffRequest(`/api/v1/recurring-issues/${id}/dismiss`, { method: "POST" });
}

export function getBusinessHours(): Promise<BusinessHours> {
  return staffRequest("/api/v1/business-hours");
}

export function putBusinessHours(b: BusinessHours): Promise<BusinessHours> {
  return staffRequest("/api/v1/business-hours", { method: "PUT", body: b });
}

export function getPolicies(): Promise<{ policies: SlaPolicy[] }> {
  return staffRequest("/api/v1/sla-policies");
}

export function putPolicies(policies: SlaPolicy[]): Promise<{ policies: SlaPolicy[] }> {
  return staffRequest("/api/v1/sla-policies", { method: "PUT", body: { policies } });
}

export function listUsers(): Promise<{ items: User[] }> {
  return staffRequest("/api/v1/users");
}

export function createUser(u: { name: string; email: string; role: Role; password: string }): Promise<User> {
  return staffRequest("/api/v1/users", { method: "POST", body: u });
}

export function updateUser(id: number, patch: { name?: string; role?: Role; active?: boolean; password?: string }): Promise<User> {
  return staffRequest(`/api/v1/users/${id}`, { method: "PATCH", body: patch });
}

/** Downloads a CSV answer of the API as a file (the token goes in a header, so no plain link). */
export async function downloadCsv(path: string, filename: string): Promise<void> {
  const token = await session.freshToken();
  let res: Response;
  try {
    res = await fetch(path, { headers: { Accept: "text/csv", ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  } catch (e) {
    throw new NetworkError(e);
  }
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      // Not JSON.
    }
    throw new ApiError(res.status, problem);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
