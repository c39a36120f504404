export { ComplaintForm } from "./ComplaintForm";
export { PrivateTicket } from "./PrivateTicket";
export { PublicLayout } from "./PublicLayout";
export { ThankYou } from "./ThankYou";
