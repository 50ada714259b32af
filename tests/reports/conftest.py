from tests.reports import fixtures

report_data, sibling_user = fixtures.report_data, fixtures.sibling_user
