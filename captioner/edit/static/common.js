// Requests to the captioner edit server: the token (from the page) goes in a header on changes.
export const token = document.querySelector('meta[name="captioner-token"]').content;

export async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  return answer(response);
}

export async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Captioner-Token": token },
    body: JSON.stringify(body),
  });
  return answer(response);
}

async function answer(response) {
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const error = new Error((data && data.error) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

export function status(message, kind = "") {
  const box = document.getElementById("status");
  box.textContent = message;
  box.className = kind;
}

export function mediaUrl(path) {
  return "/media/" + path.split("/").map(encodeURIComponent).join("/");
}

// Where a key was pressed, for keys.js: on the player, in a text field, or elsewhere on the page.
export function keyPlace(target, video) {
  if (target === video) return "player";
  const field = target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement ||
    target instanceof HTMLSelectElement;
  return field ? "text" : "page";
}

// The media page's line of facts about the media (`time` formats a duration).
export function factsText(doc, time) {
  const facts = [doc.language || "language unknown", doc.duration ? time(doc.duration).slice(0, 8) : "",
    doc.captions ? `from ${doc.captions}` : "no captions yet",
    doc.transcript ? `confidence from the ${doc.transcript === "json" ? ".json transcript" : "transcript cache"}`
      : "no transcript: no confidence"];
  return facts.filter(Boolean).join(" · ");
}
