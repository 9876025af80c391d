{#- The columns every staging model of a raw table ends with (raw_schema.py defines them). -#}

{% macro raw_snapshot_columns() -%}
    _geldig_vanaf as geldig_vanaf,
        _geldig_tot as geldig_tot,
        (_geldig_vanaf <= {{ extractdatum() }}
            and (_geldig_tot is null or _geldig_tot > {{ extractdatum() }})) as is_actueel,
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
