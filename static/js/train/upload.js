// Your own points from a CSV file: the server reads it (POST /api/train/points) and names the line
// of a bad row; the points become the run's custom dataset.

import { $ } from "../common/dom.js";
import { errorText } from "../common/errors.js";
import { api } from "./api.js";
import { notice } from "./notices.js";

export function setUpUpload(page, onPoints) {
  const input = $("#upload-csv");
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const limit = page.options.limits.max_upload_bytes;
    if (file.size > limit) {
      notice(`${file.name}: ${file.size.toLocaleString("en-US")} bytes, more than the ${limit.toLocaleString("en-US")} allowed (max_upload_bytes).`, "error");
      return;
    }
    try {
      const parsed = await api.points(await file.text());
      onPoints(parsed, file.name);
    } catch (err) {
      notice(`${file.name}: ${errorText(err)}`, "error");
    }
  });
}
