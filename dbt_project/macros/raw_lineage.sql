{#- The columns every staging model of a raw table ends with (raw_schema.py defines them). Which
    version is current at the extract date is the macro is_actueel() (macros/extractdatum.sql). -#}

{% macro raw_snapshot_columns() -%}
    _geldig_vanaf as geldig_vanaf,
        _geldig_tot as geldig_tot,
        _extractdatum as extractdatum,
        _bronbestand as bronbestand
{%- endmacro %}

{% macro raw_event_columns() -%}
    gewijzigd_op,
        _verwijderd_op as verwijderd_op,
        (_verwijderd_op is not null) as is_verwijderd,
        _extractdatum as extractdatum,
        _bronbestand as bronbestand
{%- endmacro %}
