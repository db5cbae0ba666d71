-- Totals of one day's Particeep transactions by status and currency, exact to the cent.
--
--   payrun run scripts/examples/daily-totals.lua [DAY]        -- DAY like 2024-03-01; default yesterday
--   payrun run --env live scripts/examples/daily-totals.lua 2026-11-20
--
-- Runs against the built-in Particeep simulator unless --env says otherwise.

local D = payrun.decimal
local particeep = payrun.provider("particeep")

local day = arg[1] or os.date("!%Y-%m-%d", os.time() - 86400)
assert(day:match("^%d%d%d%d%-%d%d%-%d%d$"), "DAY must look like 2024-03-01, not " .. tostring(day))
local y, m, d = day:match("(%d+)-(%d+)-(%d+)")
local next_day = os.date("!%Y-%m-%d", os.time({ year = y, month = m, day = d + 1, hour = 12 }))

-- created_after is exclusive: start one second before midnight.
local query = { created_after = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time({ year = y, month = m, day = d, hour = 0 }) - 1),
                created_before = next_day }

local totals, count = {}, 0
for t in particeep:paginate("/transaction/search", query, { page_size = 200 }) do
  local key = t.status .. " " .. t.currency
  local row = totals[key] or { status = t.status, currency = t.currency, count = 0, amount = D.new(0) }
  row.count = row.count + 1
  row.amount = row.amount + D.units(t.amount, 2)   -- Particeep amounts are minor units
  totals[key] = row
  count = count + 1
end

local rows = {}
for _, row in pairs(totals) do rows[#rows + 1] = row end
table.sort(rows, function(a, b) return a.status .. a.currency < b.status .. b.currency end)

print(("Particeep transactions on %s (%s): %d"):format(day, payrun.environment, count))
for _, row in ipairs(rows) do
  print(("  %-10s %s %6d %14s"):format(row.status, row.currency, row.count, tostring(row.amount)))
end
