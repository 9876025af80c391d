{#- The unit dimensions every fact mart carries (marts-interface.md), from a dim_eenheid_historie alias. -#}
{% macro eenheid_dimensies(alias) -%}
        {{ alias }}.wijk,
        {{ alias }}.complex_id,
        {{ alias }}.eenheid_detailsoort,
        {{ alias }}.huurklasse,
        {{ alias }}.kamers_aantal,
        {{ alias }}.lift,
        {{ alias }}.energielabel,
        {{ alias }}.etage_klasse,
        {{ alias }}.bouwjaar_klasse
{%- endmacro %}

{#- Join condition: the version of the unit valid on `datum` (first version reaches back, last forward). -#}
{% macro versie_op(alias, datum) -%}
    {{ datum }} >= {{ alias }}.geldig_vanaf and {{ datum }} < {{ alias }}.geldig_tot
{%- endmacro %}

{#- Lower and upper bounds used for the open ends of SCD2 validity intervals. -#}
{% macro begin_der_tijden() -%}cast('1900-01-01' as date){%- endmacro %}
{% macro einde_der_tijden() -%}cast('9999-12-31' as date){%- endmacro %}
