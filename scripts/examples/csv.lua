-- CSV for the example scripts (RFC 4180: quoted fields, "" for a quote, commas and line breaks
-- inside quotes). Copy it next to your own scripts and `local csv = require("csv")`.
local csv = {}

--- Every record of `text`, each a list of fields; blank lines are skipped.
function csv.records(text)
  local records, record, field = {}, {}, {}
  local function finish_record()
    record[#record + 1] = table.concat(field)
    field = {}
    if #record > 1 or record[1] ~= "" then records[#records + 1] = record end
    record = {}
  end
  local i, n, quoted = 1, #text, false
  while i <= n do
    local c = text:sub(i, i)
    if quoted then
      if c == '"' and text:sub(i + 1, i + 1) == '"' then
        field[#field + 1] = '"'
        i = i + 1
      elseif c == '"' then
        quoted = false
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == "," then
      record[#record + 1] = table.concat(field)
      field = {}
    elseif c == "\r" or c == "\n" then
      if c == "\r" and text:sub(i + 1, i + 1) == "\n" then i = i + 1 end
      finish_record()
    else
      field[#field + 1] = c
    end
    i = i + 1
  end
  if quoted then error("csv: a quoted field is never closed", 2) end
  finish_record()
  return records
end

--- The records after the header line, each a table keyed by the header's names.
function csv.rows(text)
  local records = csv.records(text)
  local header = table.remove(records, 1)
  if not header then error("csv: no header line", 2) end
  local rows = {}
  for index, record in ipairs(records) do
    local row = {}
    for i, name in ipairs(header) do row[name] = record[i] end
    rows[index] = row
  end
  return rows
end

return csv
