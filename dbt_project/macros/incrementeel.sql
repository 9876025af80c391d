{#- Incremental month-grain models (int_contract_maand_boekingen, fct_contract_maand, int_eenheid_maanden).

    A nightly delta changes few contracts and units, but these models cover the whole history (at
    80,000 units x 10 years: ten million rows each). When the model was built for the night before and
    exactly one delivery was loaded since, only two kinds of rows can differ from the last build:
    - every contract's (unit's) months from the month of the last build on (the running month moves
      its peildatum, a month closes, bookings dated after the last build become visible, a new unit
      or household version holds from its extract date on);
    - all months of the contracts (units) a changed raw row is about (gewijzigde_contracten,
      gewijzigde_eenheden).
    Those rows are deleted by the model's pre-hook and recomputed; a running balance carries on from
    the stored month before. In every other case the model is rebuilt whole: first
    build, --full-refresh, a re-run or re-sent delivery of the same night, more than one delivery
    since the last build, a build for an older date, no undo information of the last load
    (ingest.vervangen_*), or a changed start of the ledger. woonsignaal.transform runs --full-refresh
    when the project itself changed since the last successful build. -#}

{#- none = rebuild the model whole; else dict(sinds = the extract date the model was last built
    for, vanaf = the first month recomputed for every contract), both 'YYYY-MM-DD'.
    `watermark`: the model's column holding the extract date it was built for (its maximum); `melden`:
    log the decision (the model body does, its pre-hook does not); `grootboek`: also rebuild whole when
    the ledger now starts before the model's first month (the contract-month models start there). -#}
{% macro incrementeel_plan(watermark, grootboek=false, melden=true) %}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for t in ['boekingen', 'incassoacties', 'betalingsregelingen'] -%}
        {%- if adapter.get_relation(database=this.database, schema='ingest', identifier='vervangen_' ~ t) is none -%}
            {% if melden %}{{ log(this.identifier ~ ': no ingest.vervangen_' ~ t ~ ', rebuilt whole', info=true) }}{% endif %}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set query -%}
        with gebouwd as (
            select max({{ watermark }}) as sinds from {{ this }}
        ),
        nieuw as (
            select count(*) as leveringen, max(l.extractdatum) as laatste
            from {{ source('raw', 'leveringen') }} as l
            cross join gebouwd
            where l.extractdatum > gebouwd.sinds
        ),
        grootboek as (
            {#- the ledger's first month, against the model's first month (a scan of every booking: only
                for the contract-month models) -#}
            {%- if grootboek %}
            select
                cast({{ maand_start('min(boekdatum)') }} as {{ dbt.type_string() }}) as eerste,
                cast((select min(maand) from {{ this }}) as {{ dbt.type_string() }}) as model_eerste
            from {{ source('raw', 'boekingen') }}
            where _verwijderd_op is null and boekdatum <= {{ extractdatum(source('raw', 'leveringen')) }}
            {%- else %}
            select cast(null as {{ dbt.type_string() }}) as eerste, cast(null as {{ dbt.type_string() }}) as model_eerste
            {%- endif %}
        )
        select
            cast(gebouwd.sinds as {{ dbt.type_string() }}),
            nieuw.leveringen,
            cast(nieuw.laatste as {{ dbt.type_string() }}),
            cast({{ extractdatum(source('raw', 'leveringen')) }} as {{ dbt.type_string() }}),
            cast({{ maand_start('gebouwd.sinds') }} as {{ dbt.type_string() }}),
            grootboek.eerste,
            grootboek.model_eerste
        from gebouwd cross join nieuw cross join grootboek
    {%- endset -%}
    {%- set r = run_query(query).rows[0] -%}
    {%- set sinds, leveringen, laatste, extract, vanaf = r[0], r[1], r[2], r[3], r[4] -%}
    {%- if sinds is none or leveringen != 1 or laatste != extract -%}
        {% if melden %}{{ log(this.identifier ~ ': built for ' ~ sinds ~ ', ' ~ leveringen ~ ' delivery(ies) since, building for '
               ~ extract ~ ': rebuilt whole', info=true) }}{% endif %}
        {{ return(none) }}
    {%- endif -%}
    {%- if r[5] is not none and r[6] is not none and r[5][:7] < r[6][:7] -%}
        {% if melden %}{{ log(this.identifier ~ ': the ledger now starts in ' ~ r[5][:7] ~ ', before ' ~ r[6][:7] ~ ': rebuilt whole', info=true) }}{% endif %}
        {{ return(none) }}
    {%- endif -%}
    {% if melden %}{{ log(this.identifier ~ ': incremental from ' ~ sinds ~ ' to ' ~ extract ~ ' (every row from ' ~ vanaf
           ~ ', changed contracts or units whole)', info=true) }}{% endif %}
    {{ return({'sinds': sinds, 'vanaf': vanaf}) }}
{% endmacro %}


{#- The contracts whose rows may differ from the build of `sinds` in more than the recent months:
    a raw row about them was loaded, changed, deleted or replaced since (the replaced and deleted
    versions of the last load are in ingest.vervangen_*). `alleen_boekingen`: only the ledger counts
    (int_contract_maand_boekingen). For fct_contract_maand also: the agreement's own snapshot row,
    its dunning steps and arrangements, a household or unit first delivered since (the first version
    holds since always), and a complex that changed (its current wijk is used for all history). -#}
{% macro gewijzigde_contracten(sinds, alleen_boekingen=false) %}
    {%- set s = "cast('" ~ sinds ~ "' as date)" -%}
    {%- set event_tables = ['boekingen'] if alleen_boekingen else ['boekingen', 'incassoacties', 'betalingsregelingen'] -%}
    {%- for t in event_tables %}
    {% if not loop.first %}union {% endif -%}
    select overeenkomst_id from {{ source('raw', t) }} where _extractdatum > {{ s }}
    union
    select overeenkomst_id from {{ adapter.get_relation(database=this.database, schema='ingest', identifier='vervangen_' ~ t) }}
    where _vervangen_door > {{ s }}
    {%- endfor %}
    {%- if not alleen_boekingen %}
    union
    select overeenkomst_id from {{ source('raw', 'huurovereenkomsten') }}
    where _geldig_vanaf > {{ s }} or _geldig_tot > {{ s }}
    union
    select h.overeenkomst_id
    from {{ source('raw', 'huurovereenkomsten') }} as h
    inner join (
        select relatie_id from {{ source('raw', 'relaties') }} group by relatie_id having min(_geldig_vanaf) > {{ s }}
    ) as nieuwe_relaties on nieuwe_relaties.relatie_id = h.relatie_id
    union
    select overeenkomst_id from {{ source('raw', 'huurovereenkomsten') }}
    where eenheid_id in ({{ gewijzigde_eenheden(sinds) }})
    {%- endif %}
{% endmacro %}


{#- The units whose months may differ from the build of `sinds` in more than the recent months: a unit
    first delivered since (its first version holds since always) or in a complex that changed since
    (the complex's current wijk is used for all history). -#}
{% macro gewijzigde_eenheden(sinds) %}
    {%- set s = "cast('" ~ sinds ~ "' as date)" -%}
    select eenheid_id from {{ source('raw', 'eenheden') }} group by eenheid_id having min(_geldig_vanaf) > {{ s }}
    union
    select eenheid_id from {{ source('raw', 'eenheden') }}
    where complex_id in (
        select complex_id from {{ source('raw', 'complexen') }} where _geldig_vanaf > {{ s }} or _geldig_tot > {{ s }}
    )
{% endmacro %}


{#- Pre-hooks: delete the rows the model recomputes; all of them when it is rebuilt whole on an
    existing table (nothing to do on a first build or --full-refresh: dbt creates the table anew).
    `herberekend`: SQL condition of the rows recomputed whole besides the recent months. -#}
{% macro incrementeel_verwijder(plan, herberekend) %}
    {%- if not execute or this is none or not is_incremental() -%}
        select 1
    {%- elif plan is none -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }} where maand >= cast('{{ plan.vanaf }}' as date) or {{ herberekend }}
    {%- endif -%}
{% endmacro %}

{% macro contract_maand_verwijder(watermark, alleen_boekingen=false) %}
    {%- set plan = incrementeel_plan(watermark, grootboek=true, melden=false) -%}
    {{ incrementeel_verwijder(plan, 'overeenkomst_id in (' ~ gewijzigde_contracten(plan.sinds, alleen_boekingen) ~ ')' if plan else '') }}
{% endmacro %}

{% macro eenheid_maand_verwijder() %}
    {%- set plan = incrementeel_plan('peildatum', melden=false) -%}
    {#- also the months that left the KPI window -#}
    {{ incrementeel_verwijder(plan, 'eenheid_id in (' ~ gewijzigde_eenheden(plan.sinds) ~ ') or maand not in (select maand from '
        ~ ref('dim_maand') ~ ' where maanden_geleden < ' ~ var('kpi_maanden') ~ ')' if plan else '') }}
{% endmacro %}
