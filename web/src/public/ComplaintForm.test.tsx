import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, renderAt } from "../test/render";
import { ComplaintForm } from "./ComplaintForm";

const submitted = { reference: "HD-1001", status: "new", access_token: "tok", created_at: "2026-11-23T08:00:00Z" };

async function fillValid(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText("Your name"), "Siti");
  await user.type(screen.getByLabelText("E-mail"), "siti@example.com");
  await user.type(screen.getByLabelText("Subject"), "Refund missing");
  await user.type(screen.getByLabelText("What happened?"), "Still no refund.");
}

describe("ComplaintForm", () => {
  it("shows client-side errors next to their fields, accessibly, without sending", async () => {
    const calls = mockFetch();
    const user = userEvent.setup();
    renderAt(<ComplaintForm />);
    await user.type(screen.getByLabelText("E-mail"), "siti@example");
    await user.click(screen.getByRole("button", { name: "Send complaint" }));
    const email = screen.getByLabelText("E-mail");
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription(/valid e-mail address/);
    expect(screen.getByLabelText("Your name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Your name")).toHaveFocus();
    expect(screen.getByLabelText("Topic")).not.toHaveAttribute("aria-invalid");
    expect(calls).toHaveLength(0);
  });

  it("shows the server's field errors next to the fields", async () => {
    mockFetch({
      status: 422,
      body: { type: "about:blank", title: "Unprocessable Entity", status: 422, detail: "x", errors: [{ field: "subject", message: "must be at most 200 characters" }] },
    });
    const user = userEvent.setup();
    renderAt(<ComplaintForm />);
    await fillValid(user);
    await user.click(screen.getByRole("button", { name: "Send complaint" }));
    const subject = await screen.findByLabelText("Subject");
    await waitFor(() => expect(subject).toHaveAttribute("aria-invalid", "true"));
    expect(subject).toHaveAccessibleDescription("Please keep this under 200 characters.");
  });

  it("retries with the same Idempotency-Key, and a new one once the text changes", async () => {
    const calls = mockFetch(new TypeError("offline"), new TypeError("offline"), { status: 201, body: submitted });
    const user = userEvent.setup();
    const { router } = renderAt(<ComplaintForm />);
    await fillValid(user);
    const send = screen.getByRole("button", { name: "Send complaint" });
    await user.click(send);
    await screen.findByText(/cannot be reached/);
    await user.click(send);
    await waitFor(() => expect(calls).toHaveLength(2));
    const key = (i: number) => (calls[i].init.headers as Record<string, string>)["Idempotency-Key"];
    expect(key(0)).toMatch(/^[0-9a-f-]{36}$/);
    expect(key(1)).toBe(key(0));
    await user.type(screen.getByLabelText("Subject"), "!");
    await user.click(send);
    await waitFor(() => expect(router.state.location.pathname).toBe("/thanks"));
    expect(key(2)).not.toBe(key(0));
    const body = JSON.parse(calls[2].init.body as string);
    expect(body).toEqual({ name: "Siti", email: "siti@example.com", subject: "Refund missing!", body: "Still no refund." });
    expect(sessionStorage.getItem("hd.link.HD-1001")).toBe("tok");
  });
});
