// sessionkit playground: the little the pages need from JavaScript.
"use strict";

// The browser's time zone, so that datetime-local inputs mean local time.
function fillTimeZones() {
  for (const input of document.querySelectorAll("input.tz")) {
    input.value = String(new Date().getTimezoneOffset());
  }
}

// document.cookie beside request.COOKIES: a cookie the server received but
// the page cannot read is HttpOnly.
function showDocumentCookie() {
  const table = document.getElementById("js-cookies");
  const server = document.getElementById("server-cookies");
  if (!table || !server) return;
  const visible = new Map();
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    const name = (eq < 0 ? "" : part.slice(0, eq)).trim();
    const value = (eq < 0 ? part : part.slice(eq + 1)).trim();
    if (name !== "" || value !== "") visible.set(name, value);
  }
  const body = table.tBodies[0];
  body.replaceChildren();
  if (visible.size === 0) {
    const row = body.insertRow();
    const cell = row.insertCell();
    cell.colSpan = 2;
    cell.className = "muted";
    cell.textContent = "document.cookie is empty: the page can read none of its cookies.";
  }
  for (const [name, value] of [...visible].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const row = body.insertRow();
    row.dataset.name = name;
    const n = document.createElement("code");
    n.textContent = name;
    row.insertCell().append(n);
    const v = document.createElement("code");
    v.className = "value";
    v.textContent = value;
    row.insertCell().append(v);
  }
  for (const row of server.querySelectorAll("tbody tr[data-name]")) {
    if (!visible.has(row.dataset.name)) {
      row.classList.add("hidden-from-js");
      const tag = row.querySelector(".tag.httponly");
      if (tag) tag.hidden = false;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  fillTimeZones();
  showDocumentCookie();
});
