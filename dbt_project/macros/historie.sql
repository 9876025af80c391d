{#- SCD2 validity intervals from snapshot versions (macros/_macros.yml). -#}
{% macro scd2_versies(versies, sleutel) -%}
    select
        genummerd.*,
        case
            when genummerd.versie_nr = 1 then {{ begin_der_tijden() }}
            else genummerd.geldig_vanaf
        end as versie_geldig_vanaf,
        case
            when genummerd.versie_nr = genummerd.versies_aantal then {{ einde_der_tijden() }}
            else genummerd.geldig_tot
        end as versie_geldig_tot,
        (genummerd.versie_nr = genummerd.versies_aantal) as is_laatste_versie
    from (
        select
            bekend.*,
            row_number() over (partition by bekend.{{ sleutel }} order by bekend.geldig_vanaf) as versie_nr,
            count(*) over (partition by bekend.{{ sleutel }}) as versies_aantal
        from {{ versies }} as bekend
        where bekend.geldig_vanaf <= {{ extractdatum() }}
    ) as genummerd
{%- endmacro %}
