import { request } from "./http";
import type { Complaint, PublicTicket, Replied, Submitted, SurveyAnswer, SurveyThanks } from "./types";

const base = "/api/v1/public/tickets";

export function submitComplaint(c: Complaint, idempotencyKey: string): Promise<Submitted> {
  return request<Submitted>(base, {
    method: "POST",
    body: c,
    headers: { "Idempotency-Key": idempotencyKey },
  });
}

export function getPublicTicket(reference: string, token: string): Promise<PublicTicket> {
  return request<PublicTicket>(`${base}/${encodeURIComponent(reference)}`, { token });
}

export function replyAsCustomer(reference: string, token: string, body: string): Promise<Replied> {
  return request<Replied>(`${base}/${encodeURIComponent(reference)}/messages`, {
    method: "POST",
    token,
    body: { body },
  });
}

export function answerSurvey(reference: string, token: string, answer: SurveyAnswer): Promise<SurveyThanks> {
  return request<SurveyThanks>(`${base}/${encodeURIComponent(reference)}/survey`, {
    method: "PUT",
    token,
    body: answer,
  });
}
