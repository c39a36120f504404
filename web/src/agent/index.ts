export { AgentLayout } from "./AgentLayout";
export { Login } from "./Login";
export { Queue } from "./Queue";
export { RequireAuth } from "./RequireAuth";
export { TicketPage } from "./ticket/TicketPage";
export { RequireRole } from "./RequireRole";
