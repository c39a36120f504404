import { query } from "./http";
import { staffRequest } from "./session";
import type {
  Alert,
  CloseReason,
  MessageAdded,
  Page,
  QueueFilter,
  Status,
  Ticket,
  TicketDetail,
  TicketPatch,
  StaffMember,
  User,
} from "./types";

export function listTickets(filter: QueueFilter, cursor?: string | null, limit = 25): Promise<Page<Ticket>> {
  return staffRequest<Page<Ticket>>(`/api/v1/tickets${query({ ...filter, cursor, limit })}`);
}

export function getTicket(id: number): Promise<TicketDetail> {
  return staffRequest<TicketDetail>(`/api/v1/tickets/${id}`);
}

export function updateTicket(id: number, patch: TicketPatch): Promise<Ticket> {
  return staffRequest<Ticket>(`/api/v1/tickets/${id}`, { method: "PATCH", body: patch });
}

export function addMessage(
  id: number,
  body: string,
  internal: boolean,
  status?: Status,
): Promise<MessageAdded> {
  return staffRequest<MessageAdded>(`/api/v1/tickets/${id}/messages`, {
    method: "POST",
    body: { body, internal, ...(status ? { status } : {}) },
  });
}

export function transition(id: number, to: Status, reason?: CloseReason): Promise<Ticket> {
  return staffRequest<Ticket>(`/api/v1/tickets/${id}/transitions`, {
    method: "POST",
    body: { to, ...(reason ? { reason } : {}) },
  });
}

export function ackAlert(id: number): Promise<Alert> {
  return staffRequest<Alert>(`/api/v1/alerts/${id}/ack`, { method: "POST" });
}

/** Every colleague's name and role (any staff member may ask). */
export function listStaff(): Promise<{ items: StaffMember[] }> {
  return staffRequest<{ items: StaffMember[] }>("/api/v1/staff");
}

/** All staff accounts. Admin-only on the server: agents get 403. */
export function listUsers(): Promise<{ items: User[] }> {
  return staffRequest<{ items: User[] }>("/api/v1/users");
}

export function me(): Promise<User> {
  return staffRequest<User>("/api/v1/me");
}
