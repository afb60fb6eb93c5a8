// The index page: every media file of the tree with its check state; filter and sort.
import { getJSON, status } from "./common.js";
import { createTreeFind } from "./treefindview.js";

const { el } = globalThis.CueView;
let rows = [];
let sortKey = "path", sortDir = 1;

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function render() {
  const text = document.getElementById("filter").value.trim().toLowerCase();
  const state = document.getElementById("state").value;
  const flagged = document.getElementById("doubtful-only").checked;
  const shown = rows.filter((r) => (!text || r.path.toLowerCase().includes(text)) && (!state || r.state === state)
    && (!flagged || r.doubtful > 0 || r.style > 0));
  shown.sort((a, b) => {
    const x = a[sortKey] ?? -Infinity, y = b[sortKey] ?? -Infinity;
    return (x < y ? -1 : x > y ? 1 : a.path < b.path ? -1 : 1) * sortDir;
  });
  const body = document.createDocumentFragment();
  for (const r of shown) {
    const tr = el("tr");
    tr.dataset.path = r.path;
    const name = el("td");
    if (r.media) {
      const a = el("a", "", r.path);
      a.href = "/edit?path=" + encodeURIComponent(r.path);
      name.appendChild(a);
    } else {
      name.textContent = r.path;
    }
    if (r.detail) name.title = r.detail;
    tr.appendChild(name);
    const st = el("td");
    st.appendChild(el("span", "state state-" + r.state, r.state));
    tr.appendChild(st);
    tr.appendChild(el("td", "", r.language || ""));
    tr.appendChild(el("td", "num", duration(r.duration)));
    tr.appendChild(el("td", "num", r.cues ?? ""));
    tr.appendChild(el("td", "num" + (r.doubtful ? " count-warn" : ""), r.doubtful ?? ""));
    tr.appendChild(el("td", "num" + (r.style ? " count-warn" : ""), r.style ?? ""));
    tr.appendChild(el("td", "num", r.cues ? `${r.reviewed ?? 0}/${r.cues}` : ""));
    body.appendChild(tr);
  }
  document.querySelector("#files tbody").replaceChildren(body);
  for (const th of document.querySelectorAll("#files th")) {
    th.setAttribute("aria-sort", th.dataset.key === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
  }
  status(`${shown.length} of ${rows.length} files`);
}

async function load() {
  try {
    const data = await getJSON("/api/files");
    for (const option of [...document.getElementById("state").options].slice(1)) option.remove();
    rows = data.files;
    document.getElementById("root").textContent = data.root;
    const states = [...new Set(rows.map((r) => r.state))].sort();
    const select = document.getElementById("state");
    for (const s of states) select.appendChild(el("option", "", s)).value = s;
    const counts = states.map((s) => `${rows.filter((r) => r.state === s).length} ${s}`).join(", ");
    document.getElementById("summary").textContent = counts;
    render();
    document.body.dataset.ready = "1";
  } catch (error) {
    status(`Cannot list the tree: ${error.message}`, "error");
  }
}

for (const th of document.querySelectorAll("#files th")) {
  th.addEventListener("click", () => {
    sortDir = th.dataset.key === sortKey ? -sortDir : 1;
    sortKey = th.dataset.key;
    render();
  });
}
for (const id of ["filter", "state", "doubtful-only"]) document.getElementById(id).addEventListener("input", render);
createTreeFind({ reload: load });
load();
