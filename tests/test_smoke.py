def test_load_and_list(loaded):
    result = loaded("list", "--json")
    assert '"program-update"' in result.output
