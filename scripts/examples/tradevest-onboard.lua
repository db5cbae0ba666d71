-- Onboards the natural persons of a CSV file as Tradevest customers, idempotently: each row's
-- externalId comes from its email, so running it again creates nobody twice (Tradevest answers
-- 409 and the customer is looked up instead). Waits for each to leave RECEIVED and reports the
-- INVALID ones with their reasons.
--
--   payrun run scripts/examples/tradevest-onboard.lua scripts/examples/people.csv [REQUESTOR_ID]
--
-- The CSV: a header line `first_name,last_name,email,birth_date`, then one person a line.
-- Runs against the built-in Tradevest simulator unless --env says otherwise.

local requestor = arg[2] or "3f1b6c1e-0000-4000-8000-000000000001"
local tradevest = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = requestor } })

local rows = {}
for row in payrun.csv.file(1) do rows[#rows + 1] = row end

-- Submitted eight at a time; a 409 for our own externalId means an earlier run submitted it.
local submitted = payrun.parallel(rows, function(row)
  local externalId = tradevest:externalid("onboard-natural-person", row.email:lower())
  local created, err = tradevest:tryrequest{
    method = "POST", path = "/customers/natural-persons",
    body = { externalId = externalId, firstName = row.first_name, lastName = row.last_name,
             email = row.email, birthDate = row.birth_date },
  }
  if created then return { row = row, id = created.customerId, new = true } end
  if err.status ~= 409 then return { row = row, failure = tostring(err) } end
  local found = tradevest:get("/customers", { externalId = externalId })
  if not found.data[1] then
    return { row = row, failure = "submitted by an earlier run and since purged (it was INVALID); fix the row and give it a new email" }
  end
  return { row = row, id = found.data[1].customerId, new = false }
end, { concurrency = 8 })

-- Described on standard error, not submitted: there is nobody to wait for.
if payrun.dry_run then
  print(string.format("dry run: %d customers described, none submitted", #submitted))
  return
end

-- Each waited for until Tradevest has processed it, then shown in one table.
local counts = { created = 0, existing = 0, invalid = 0, failed = 0 }
local lines = {}
for _, entry in ipairs(submitted) do
  local line = { email = entry.row.email, name = entry.row.first_name .. " " .. entry.row.last_name, note = "" }
  if entry.failure then
    counts.failed = counts.failed + 1
    line.status, line.note = "FAILED", entry.failure
  else
    local customer = tradevest:await("/customers/" .. entry.id, { timeout = 30 })
    line.status = customer.status
    if customer.status == "INVALID" then
      counts.invalid = counts.invalid + 1
      line.note = customer.statusReason or "no reason given"
    elseif entry.new then
      counts.created = counts.created + 1
    else
      counts.existing = counts.existing + 1
      line.note = "already onboarded"
    end
  end
  lines[#lines + 1] = line
end
payrun.stdout:write(payrun.table(lines, { columns = { "status", "email", "name", "note" } }))
print(string.format("%d onboarded, %d already there, %d invalid, %d failed", counts.created, counts.existing, counts.invalid, counts.failed))
