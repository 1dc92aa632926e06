"""How the program records' admin pages and exports show values: amounts as money, and the
export form's columns by the names the exported file gives them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from import_export.forms import SelectableFieldsExportForm
from import_export.resources import ModelResource


def money(amount: Decimal | int | None) -> str:
    """US dollars as a program officer writes them: "$750,000", cents only when there are."""
    if amount is None:
        return "-"
    value = Decimal(amount)
    if value == value.to_integral_value():
        return f"${value:,.0f}"
    return f"${value:,.2f}"


class PlainColumnsExportForm(SelectableFieldsExportForm):
    """Names each column once, as the file's header will (django-import-export labels a
    renamed column "Lead Institution (lead institution)")."""

    def _get_field_label(self, resource: ModelResource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        name = field.column_name if field is not None and field.column_name else field_name
        return str(name).replace("_", " ").capitalize()


class PlainResource(ModelResource):
    """An export whose model columns are headed by the field's own name ("requested amount",
    not "requested_amount") and whose choices are written as their labels ("Under review")."""

    @classmethod
    def field_from_django_field(cls, field_name: str, django_field: Any, readonly: bool) -> Any:
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.column_name = str(getattr(django_field, "verbose_name", field_name))
        if getattr(django_field, "choices", None):
            field.attribute = f"get_{field_name}_display"
        return field
