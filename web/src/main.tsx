import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

// The browser UI arrives with the web UI issue; until then this page points to what works.
function Landing() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "3rem auto", padding: "0 1rem" }}>
      <h1>Helpdesk</h1>
      <p>The API is running. The customer form and the agent workspace are being built.</p>
      <p>
        <a href="/api/docs">API documentation</a>
      </p>
    </main>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Landing />
    </StrictMode>,
  );
}
