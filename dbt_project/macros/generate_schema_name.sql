{#- Schemas are exactly `staging`, `intermediate`, `marts` (no `<target>_` prefix): the publish step
    and the BI tools read `marts` by that name. Without a custom schema the target schema is used. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
