-- Users whose Particeep transactions have been PENDING for more than N days, oldest first.
--
--   payrun run scripts/examples/stale-pending.lua [DAYS]      -- default 30
--
-- Runs against the built-in Particeep simulator unless --env says otherwise.

local days = tonumber(arg[1] or "30") or error("DAYS must be a number of days")
local particeep = payrun.provider("particeep")
local before = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - days * 86400)

-- Every stale pending transaction, grouped by who issued it.
local by_user, order = {}, {}
for t in particeep:paginate("/transaction/search", { status = "PENDING", created_before = before }, { page_size = 500 }) do
  local id = t.issuer_id or "(no issuer)"
  if not by_user[id] then
    by_user[id] = { oldest = t.created_at, count = 0, amount = payrun.decimal.new(0), currency = {} }
    order[#order + 1] = id
  end
  local entry = by_user[id]
  entry.count = entry.count + 1
  entry.currency[t.currency] = (entry.currency[t.currency] or payrun.decimal.new(0)) + payrun.decimal.units(t.amount, 2)
  if t.created_at < entry.oldest then entry.oldest = t.created_at end
end
table.sort(order, function(a, b) return by_user[a].oldest < by_user[b].oldest end)

-- Names and emails, 100 users per request.
local users = {}
for first = 1, #order, 100 do
  local ids = table.concat(order, ",", first, math.min(first + 99, #order))
  for _, user in ipairs(particeep:get("/user", { ids = ids })) do users[user.id] = user end
end

print(("%d users have transactions pending since before %s"):format(#order, before:sub(1, 10)))
for i = 1, math.min(#order, 10) do
  local id = order[i]
  local entry, user = by_user[id], users[id] or {}
  local amounts = {}
  for currency, amount in pairs(entry.currency) do amounts[#amounts + 1] = tostring(amount) .. " " .. currency end
  table.sort(amounts)
  print(("  %-9s %-38s %2d pending since %s: %s"):format(id, user.email or "?", entry.count, entry.oldest:sub(1, 10), table.concat(amounts, ", ")))
end
if #order > 10 then print(("  ... and %d more"):format(#order - 10)) end
