"""Names that vulture reports as unused in catalogue_app/ but that are used.

vulture scans only catalogue_app/, so it cannot see a library reading an
attribute we set, a framework calling a method we override, or code outside
the package (Alembic's env.py, the benchmarks, the tests) calling ours. Each
entry says who uses the name. vulture matches names, not owners: keep entries
to names that are specific to their use, and never add one for code that is
really unused (delete that code instead).

This file is read by vulture, never imported.
"""

# Attributes that a library reads after we set them.
_.isolation_level  # sqlite3 connection: lets SQLAlchemy issue BEGIN (db/engine.py)
_.freeze_panes  # openpyxl worksheet (interchange/purchases.py)
_.number_format  # openpyxl cell (interchange/purchases.py)
_.alignment  # openpyxl cell (interchange/catalogue_book.py)
_.barSpacing  # reportlab charts (reports/briefing.py), here to the end of the group
_.categoryNames
_.fillColor
_.fontName
_.labelTextFormat
_.strokeColor
_.strokeDashArray
_.strokeWidth
_.valueMax
_.valueMin
_.valueSteps

# Hooks that a framework calls.
_.impl  # SQLAlchemy TypeDecorator (db/types.py), here to the end of the group
_.cache_ok
_.process_bind_param
_.process_result_value
_.coerce_compared_value
_.afterFlowable  # reportlab BaseDocTemplate (reports/document.py)
_.draw  # reportlab Flowable (reports/briefing.py AppendixPages)
_.hAlign  # read by reportlab's Frame when it places a flowable (reports/briefing.py)
_.undo  # QUndoCommand (ui/undo.py)
_.redo
_.tickStrings  # pyqtgraph AxisItem (ui/charts/plots.py MoneyAxis)
_._updateLabel  # pyqtgraph AxisItem (ui/charts/plots.py QuietAxis), here to the end of the group
_.picture
_.paintEvent  # QWidget (ui/charts/tilemap.py)
_.mouseMoveEvent
_.canFetchMore  # QAbstractItemModel: the table asks for rows past the count (ui/products_model.py)
_.fetchMore
include_object  # Alembic autogenerate filter, passed in db/migrations/env.py
compare_to  # include_object's parameters: Alembic passes all five positionally
reflected
type_
obj

# Columns and relationships that define the schema; no Python code reads them.
_.nation  # db/models.py, here to the end of the group
_.lead_force_id
_.collaboration
_.companies_house_number
_.buyer_force
_.buyer_collaboration

# Enum members: values stored in the database and read from reference data
# by value (ForceKind("national")), never spelled out in Python.
_.TERRITORIAL  # domain/enums.py, here to the end of the group
_.NATIONAL
_.SPECIAL
_.SUSPENDED
_.EXCLUDED
_.CHAMPION
_.APPROVED
_.CHALLENGER
_.WITHDRAWN

# Row fields that tables read by name (getattr with the column key).
_.best_route  # services/compare.py rows, listed in cli/compare.py and reports/comparison.py
_.saving_vs_list
_.forces_using
_.lowest_paid
_.median_paid
_.highest_paid
_.prices_on  # services/compare.py rows: the day in `compare --format json|csv`
_.officers  # ui/views.py buyer rows, Column("officers", ...)
_.detected  # ui/conflicts_view.py rows, Column("detected", ...)
_.other_side  # ui/conflicts_view.py rows, Column("other_side", ...)

# Called from outside catalogue_app/.
generate_synthetic_catalogue  # benchmarks/dataset.py builds its large catalogue with it
_.cached_pages  # ui/products_model.py: tests assert which pages stay cached
head_revision  # db/migrate.py: tests compare the migrated revision with the scripts' head

# Read by the tests and the benchmarks to wait for background work or to check it.
_.running_ops  # tests/ui/conftest.py: no worker outlives a test
_.pending_ops  # tests/ui/conftest.py, benchmarks/gui_probe.py: results delivered
_.settled  # tests/ui: the dialogs' previews have arrived
_.set_filter  # tests/ui/test_purchases_ui.py: the Purchases model outside a window
_.line_at  # tests/ui/test_purchases_ui.py
_.upgraded_from  # tests/ui/test_ops.py: which settings version was upgraded
_.drawn  # tests/ui/test_home_ui.py, benchmarks/home.py: every chart of Home is drawn
_.segment_centre  # tests/ui/test_home_ui.py: where to click a bar of the spend chart
_.largest  # tests/ui/test_home_ui.py: the largest category bar of a year
_.atomic_text  # tests/unit/interchange/test_atomic.py
_.SpendService  # benchmarks/measures.py and the ledger property tests: spend by buyer
_.by_buyer
_.unit_price_overridden  # RecordedPurchase field: whether the officer typed a price (to_dict)
_.readable  # interchange/ocds/reader.py: io.RawIOBase protocol, called by io.BufferedReader
_.readinto  # interchange/ocds/reader.py: io.RawIOBase protocol, called by io.BufferedReader
_.created_at  # db/bundle_models.py: columns written through the ORM, read by people
_.trusted_at
_.trusted_by
_.merged_at
_.merged_by
_.resolved_by
_.catalogue_rows  # services/bundles.py ExportReport field, in --format json

# The chain of audit events written before the log was chained: named by migration 0009
# and the audit-trail tests.
_.EARLIER_CHAIN
# A package's lazy attributes (PEP 562): Python calls it for names not yet loaded.
_.__getattr__
