-- Prints the Capitalist payments of each number in the CSV, as JSON: {number: [document ids...]}.
local capitalist = payrun.provider("capitalist")
local found = {}
for row in payrun.csv.file(1) do
  local documents = capitalist:call("documents_search", { customNumber = row.reference }).documents
  if #documents > 0 then
    local list = {}
    for _, document in ipairs(documents) do list[#list + 1] = tostring(document.documentId) end
    found[row.reference] = list
  end
end
print(payrun.json.encode(found))
