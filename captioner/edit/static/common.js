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
