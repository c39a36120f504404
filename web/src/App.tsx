import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { createBrowserRouter, Link, RouterProvider, type RouteObject } from "react-router";
import { LanguageSwitch } from "./components/LanguageSwitch";

// The customer pages and the agent workspace are separate chunks: a customer never
// downloads the workspace.
const pub = () => import("./public");
const agent = () => import("./agent");
const PublicLayout = lazy(() => pub().then((m) => ({ default: m.PublicLayout })));
const ComplaintForm = lazy(() => pub().then((m) => ({ default: m.ComplaintForm })));
const ThankYou = lazy(() => pub().then((m) => ({ default: m.ThankYou })));
const PrivateTicket = lazy(() => pub().then((m) => ({ default: m.PrivateTicket })));
const AgentLayout = lazy(() => agent().then((m) => ({ default: m.AgentLayout })));
const Login = lazy(() => agent().then((m) => ({ default: m.Login })));
const Queue = lazy(() => agent().then((m) => ({ default: m.Queue })));
const TicketPage = lazy(() => agent().then((m) => ({ default: m.TicketPage })));
const RequireAuth = lazy(() => agent().then((m) => ({ default: m.RequireAuth })));
const RequireRole = lazy(() => agent().then((m) => ({ default: m.RequireRole })));
// Manager pages and their charting library: loaded only when a manager opens one.
const manage = () => import("./manage");
const TtrDashboard = lazy(() => manage().then((m) => ({ default: m.TtrDashboard })));
const TtrTickets = lazy(() => manage().then((m) => ({ default: m.TtrTickets })));
const AlertsBoard = lazy(() => manage().then((m) => ({ default: m.AlertsBoard })));
const CxPage = lazy(() => manage().then((m) => ({ default: m.CxPage })));
const RecurringPage = lazy(() => manage().then((m) => ({ default: m.RecurringPage })));
const Settings = lazy(() => manage().then((m) => ({ default: m.Settings })));

const managerOnly = (node: ReactNode) => wrap(<RequireRole role="manager">{wrap(node)}</RequireRole>);

function Loading() {
  const { t } = useTranslation();
  return <p className="page-pad">{t("app.loading")}</p>;
}

const wrap = (node: ReactNode) => <Suspense fallback={<Loading />}>{node}</Suspense>;

function NotFound() {
  const { t } = useTranslation();
  return (
    <main className="page-pad">
      <LanguageSwitch />
      <p>{t("app.notFound")}</p>
      <Link to="/">{t("app.home")}</Link>
    </main>
  );
}

export const routes: RouteObject[] = [
  {
    element: wrap(<PublicLayout />),
    children: [
      { index: true, element: wrap(<ComplaintForm />) },
      { path: "thanks", element: wrap(<ThankYou />) },
      { path: "t/:reference", element: wrap(<PrivateTicket />) },
      { path: "agent/login", element: wrap(<Login />) },
    ],
  },
  {
    path: "agent",
    element: wrap(
      <RequireAuth>
        <AgentLayout />
      </RequireAuth>,
    ),
    children: [
      { index: true, element: wrap(<Queue />) },
      { path: "tickets/:id", element: wrap(<TicketPage />) },
      { path: "reports", element: managerOnly(<TtrDashboard />) },
      { path: "reports/tickets", element: managerOnly(<TtrTickets />) },
      { path: "alerts", element: managerOnly(<AlertsBoard />) },
      { path: "cx", element: managerOnly(<CxPage />) },
      { path: "recurring", element: managerOnly(<RecurringPage />) },
      { path: "settings", element: managerOnly(<Settings />) },
    ],
  },
  { path: "*", element: <NotFound /> },
];

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 10_000, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}

export function App() {
  const [client] = useState(makeQueryClient);
  const [router] = useState(() => createBrowserRouter(routes));
  return (
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
