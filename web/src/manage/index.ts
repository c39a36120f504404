// The manager pages: a chunk of their own (with the charting library), loaded only when a
// manager opens one of them.
export { AlertsBoard } from "./AlertsBoard";
export { CxPage } from "./CxPage";
export { RecurringPage } from "./Recurring";
export { Settings } from "./Settings";
export { TtrDashboard } from "./TtrDashboard";
export { TtrTickets } from "./TtrTickets";
