// Shapes of the helpdesk API v1 (see /api/v1/openapi.json of a running server).
// Times are RFC 3339 UTC strings, durations whole seconds.

export const STATUSES = ["new", "open", "pending", "on_hold", "resolved", "closed"] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CLOSE_REASONS = ["duplicate", "spam", "merged", "other"] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export type Channel = "web" | "email" | "phone" | "chat" | "social" | "api";
export type Tier = "standard" | "vip";
export type Role = "agent" | "manager" | "admin";
export type SlaMetric = "first_response" | "next_response" | "resolution";
export type AlertLevel = "warning" | "breach";
export type ClockState = "running" | "paused" | "met" | "stopped";
export type Hours = "calendar" | "business";

/** The categories the complaint form offers (the API takes any short text). */
export const CATEGORIES = ["refund", "delivery", "billing", "account", "product", "voucher"] as const;

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  errors?: FieldError[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

// ---- auth ----

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  can_log_in?: boolean;
  created_at?: string;
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: User;
}

/** A colleague as any staff member sees them (`GET /api/v1/staff`). */
export interface StaffMember {
  id: number;
  name: string;
  role: Role;
  active: boolean;
}

// ---- public (customer) ----

export interface Complaint {
  name: string;
  email: string;
  subject: string;
  body: string;
  category?: string;
}

export interface Submitted {
  reference: string;
  status: Status;
  access_token: string;
  created_at: string;
}

export interface PublicMessage {
  id: number;
  author_type: "customer" | "agent" | "system";
  author_name: string | null;
  body: string;
  created_at: string;
}

export interface Survey {
  csat: number | null;
  ces: number | null;
  nps: number | null;
  comment: string;
  answered_at: string;
  updated_at: string;
}

export interface SurveyAnswer {
  csat?: number;
  ces?: number;
  nps?: number;
  comment?: string;
}

export interface PublicTicket {
  reference: string;
  subject: string;
  status: Status;
  category: string | null;
  customer_name: string;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  closed_at: string | null;
  messages: PublicMessage[];
  survey_open: boolean;
  survey: Survey | null;
  follow_up_of: string | null;
  /** When the customer can expect the next answer, from the SLA policy (may be absent). */
  expected_reply_by?: string | null;
}

/** The survey's answer: the ticket view plus a thank-you (older servers send the view only). */
export interface SurveyThanks extends PublicTicket {
  thank_you?: boolean;
  /** Whether an earlier answer was replaced. */
  updated?: boolean;
  message?: string;
}

export interface Replied {
  reference: string;
  status: Status;
  follow_up: { reference: string; access_token: string } | null;
}

// ---- staff ----

export interface CustomerRef {
  id: number;
  name: string;
  email: string;
  tier: Tier;
}

export interface Ticket {
  id: number;
  reference: string;
  subject: string;
  status: Status;
  priority: Priority;
  category: string | null;
  channel: Channel;
  customer: CustomerRef;
  assignee_id: number | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  close_reason: CloseReason | null;
  reopen_count: number;
  follow_up_of: number | null;
  sla_due_at: string | null;
  /** Recurring-complaint data, when that API has landed. */
  recurring?: Recurring | null;
}

export interface Recurring {
  customer_repeat_count: number;
  previous_ticket_ids: number[];
  issue_id: number | null;
}

export interface Message {
  id: number;
  author_type: "customer" | "agent" | "system";
  author_id: number | null;
  author_name: string | null;
  internal: boolean;
  body: string;
  created_at: string;
}

export interface TicketEvent {
  id: number;
  at: string;
  kind: string;
  actor_type: "customer" | "agent" | "system";
  actor_id: number | null;
  from_status: Status | null;
  to_status: Status | null;
  data: Record<string, unknown>;
}

export interface TicketMetrics {
  first_response_s: number | null;
  first_response_business_s: number | null;
  resolution_s: number | null;
  resolution_business_s: number | null;
  first_resolution_s: number | null;
  first_resolution_business_s?: number | null;
  requester_wait_s: number;
  requester_wait_business_s: number;
  reopen_count: number;
  next_response_s?: number | null;
  next_response_business_s?: number | null;
  excluded?: boolean;
}

export interface HistoryItem {
  id: number;
  reference: string;
  subject: string;
  status: Status;
  category: string | null;
  created_at: string;
  resolution_s: number | null;
  /** The same in business hours (newer servers). */
  resolution_business_s?: number | null;
  survey: Survey | null;
}

export interface SlaClock {
  metric: SlaMetric;
  cycle: number;
  target_s: number;
  started_at: string;
  warn_at: string | null;
  due_at: string | null;
  stopped_at: string | null;
  state: ClockState;
  elapsed_s: number;
  remaining_s: number;
  breached: boolean;
}

export interface TicketBrief {
  id: number;
  reference: string;
  subject: string;
  priority: string;
  status: string;
  assignee_id: number | null;
}

export interface Alert {
  id: number;
  ticket_id: number;
  metric: SlaMetric;
  level: AlertLevel;
  cycle: number;
  due_at: string;
  raised_at: string;
  acked_at: string | null;
  acked_by: number | null;
  cleared_at: string | null;
  ticket: TicketBrief;
}

export interface StatusInterval {
  status: Status;
  from: string;
  to: string | null;
}

export interface TicketDetail extends Ticket {
  messages: Message[];
  events: TicketEvent[];
  metrics: TicketMetrics;
  allowed_transitions: Status[];
  survey: Survey | null;
  customer_history: HistoryItem[];
  sla: {
    policy: string | null;
    hours: Hours | null;
    clocks: SlaClock[];
    alerts: Alert[];
  };
  timeline: StatusInterval[];
}

export interface TicketPatch {
  priority?: Priority;
  category?: string | null;
  assignee_id?: number | null;
  tags?: string[];
}

export interface MessageAdded {
  message: Message;
  ticket: Ticket;
}

export interface QueueFilter {
  status?: string;
  assignee?: string;
  priority?: string;
  category?: string;
  q?: string;
  sla?: string;
  due_within?: string;
  sort?: string;
  /** `true`: only tickets repeating an earlier complaint of the same customer. */
  repeat?: string;
}

/** Payload of the `ticket` server-sent event. */
export interface TicketLiveEvent {
  change: string;
  id: number;
  reference: string;
  subject: string;
  status: Status;
  priority: Priority;
  assignee_id: number | null;
  updated_at: string;
}

/** Payload of the `alert` server-sent event. */
export type AlertLiveEvent = Alert & { change: "raised" | "cleared" | "acked" | string };
