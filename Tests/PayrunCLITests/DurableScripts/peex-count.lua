-- Prints the Peex payment requests of each track_id, as JSON: {track_id: [ids...]}.
local peex = payrun.provider("peex")
local found = {}
local all, err = peex:tryrequest{ path = "/clients/all_requests" }
if not all and err.status ~= 404 then error(err) end
for _, request in ipairs(all or {}) do
  local list = found[request.track_id] or {}
  list[#list + 1] = tostring(request.id or request.track_id)
  found[request.track_id] = list
end
print(payrun.json.encode(found))
