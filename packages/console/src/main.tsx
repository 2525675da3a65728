// The console's entry: one React root over the page's <div id="root">, talking to this origin's /api/v1.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createApi } from "./api.ts";
import { App } from "./app.tsx";
import "./styles.css";

/** A cookie's value ("" when absent). */
function cookie(name: string): string {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App api={createApi(window.fetch.bind(window), () => cookie("flyte_csrf"))} />
    </StrictMode>,
  );
}
