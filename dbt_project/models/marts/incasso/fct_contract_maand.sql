{#- One row per tenancy agreement per calendar month it was active (from its start month to its end
    month, or to the extract month while it runs), from the first month of the delivered ledger on: before
    the ledger's first booking month nothing is known about payments, so those months are not shown.
    Measured at the month's peildatum (its last day, or the extract date for the running month).
    - saldo_euro: sum of every booking with boekdatum up to the month end (bookings before the start month
      count in the start month); + = the tenant owes
    - vervallen_saldo_euro: the same, counting each booking from the day it fell due
    - in_achterstand: vervallen_saldo_euro > 0 at the month end (after the due date)
    - maanden_achterstand: vervallen saldo in months of rent (0 when not in arrears)
    - jaarhuur_euro: 12 x the month's rent charge (PRO); a month without a charge uses the unit's brutohuur
    Tenant dimensions as the household was at the peildatum (leeftijdsklasse: age then), unit dimensions
    as the unit was then.
    Incremental (macros/incrementeel.sql): a nightly delta recomputes every contract's months from the
    month of the last build (running totals carry on from the stored month before), and all months of
    the contracts a changed raw row is about. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ contract_maand_verwijder('peildatum') }}",
) }}
{%- set plan = incrementeel_plan('peildatum', grootboek=true) -%}
{%- if plan -%}
    {%- set vanaf = "cast('" ~ plan.vanaf ~ "' as date)" -%}
{%- endif %}
with

contracten as (
    select * from {{ ref('int_huurovereenkomsten') }}
    where not is_geannuleerd
),

maanden as (
    select * from {{ ref('dim_maand') }}
),

grootboek_begin as (
    select min(maand) as eerste_maand from {{ ref('int_contract_maand_boekingen') }}
),

grenzen as (
    {#- each contract's first and last month; `herberekend`: all its months are recomputed -#}
    select
        c.*,
        greatest(
            {{ maand_start('c.begindatum') }}, coalesce(l.eerste_maand, {{ maand_start('c.begindatum') }})
        ) as eerste_maand,
        {{ maand_start('case when c.is_beeindigd then c.einddatum else c.extractdatum end') }} as laatste_maand,
        {% if plan -%}
        (c.overeenkomst_id in ({{ gewijzigde_contracten(plan.sinds) }})) as herberekend
        {%- else -%}
            true as herberekend
        {%- endif %}
    from contracten as c
    cross join grootboek_begin as l
),

spine as (
    select
        c.overeenkomst_id,
        c.eenheid_id,
        c.relatie_id,
        c.begindatum,
        c.einddatum,
        c.betaalwijze,
        c.startbrutohuur,
        m.maand,
        m.maand_einde,
        case when c.is_beeindigd and c.einddatum < m.peildatum then c.einddatum else m.peildatum end as peildatum
    from grenzen as c
    inner join maanden as m
        on m.maand >= c.eerste_maand
        and m.maand <= c.laatste_maand
    {%- if plan %}
    where c.herberekend or m.maand >= {{ vanaf }}
    {%- endif %}
),

bewegingen as (
    {#- movements before the start month count in the start month; after the last month they are not shown -#}
    select
        b.overeenkomst_id,
        case when b.maand < g.eerste_maand then g.eerste_maand else b.maand end as maand,
        sum(b.gefactureerd_euro) as gefactureerd_euro,
        sum(b.betaald_euro) as betaald_euro,
        sum(b.correctie_euro) as correctie_euro,
        sum(b.huur_euro) as huur_euro,
        sum(b.mutatie_euro) as mutatie_euro,
        sum(b.vervallen_mutatie_euro) as vervallen_mutatie_euro
    from {{ ref('int_contract_maand_boekingen') }} as b
    inner join grenzen as g
        on g.overeenkomst_id = b.overeenkomst_id
    where b.maand <= g.laatste_maand
    {%- if plan %}
        and (g.herberekend or b.maand >= {{ vanaf }} or g.eerste_maand >= {{ vanaf }})
    {%- endif %}
    group by b.overeenkomst_id, case when b.maand < g.eerste_maand then g.eerste_maand else b.maand end
),

vorige as (
    {#- running totals of the stored month before the recomputed ones (incremental builds only) -#}
    {%- if plan %}
    select
        t.overeenkomst_id,
        t.saldo_euro,
        t.vervallen_saldo_euro,
        t.hoogste_stap_rang,
        t.in_achterstand
    from {{ this }} as t
    inner join grenzen as g
        on g.overeenkomst_id = t.overeenkomst_id and not g.herberekend
    where t.maand = {{ dbt.dateadd('month', -1, vanaf) }}
    {%- else %}
        select
            overeenkomst_id,
            cast(null as {{ dbt.type_numeric() }}) as saldo_euro,
            cast(null as {{ dbt.type_numeric() }}) as vervallen_saldo_euro,
            cast(null as integer) as hoogste_stap_rang,
            cast(null as boolean) as in_achterstand
        from contracten
        where false
    {%- endif %}
),

acties as (
    select * from {{ ref('int_incassoacties') }}
),

eerste_acties as (
    select
        overeenkomst_id,
        min(case when actie_soort = 'DEU' then actiedatum end) as eerste_deurwaarder,
        min(case when actie_soort = 'VRS' then actiedatum end) as eerste_vroegsignalering,
        min(case when actie_soort = 'ONT' then actiedatum end) as ontruiming
    from acties
    group by overeenkomst_id
),

stappen_per_maand as (
    select
        overeenkomst_id,
        {{ maand_start('actiedatum') }} as maand,
        max(stap_rang) as stap_rang,
        count(*) as acties_aantal
    from acties
    group by overeenkomst_id, {{ maand_start('actiedatum') }}
),

regelingen as (
    select * from {{ ref('stg_raw__betalingsregelingen') }}
    where not is_verwijderd and regeling_status not in ('ANN', 'VER')
),

actieve_regelingen as (
    select s.overeenkomst_id, s.maand, count(*) as regelingen_actief_aantal
    from spine as s
    inner join regelingen as r
        on r.overeenkomst_id = s.overeenkomst_id
        and r.afspraakdatum <= s.peildatum
        and (r.einddatum is null or r.einddatum > s.peildatum)
    group by s.overeenkomst_id, s.maand
),

cumulatief as (
    select
        s.*,
        coalesce(b.gefactureerd_euro, 0) as gefactureerd_euro,
        coalesce(b.betaald_euro, 0) as betaald_euro,
        coalesce(b.correctie_euro, 0) as correctie_euro,
        coalesce(b.huur_euro, 0) as huur_euro,
        {#- running sums in double precision (several times faster than 128-bit decimals over ~10 M rows),
            rounded back to cents: exact for any realistic balance -#}
        round(cast(
            coalesce(v.saldo_euro, 0)
            + sum(cast(coalesce(b.mutatie_euro, 0) as {{ type_double() }})) over (
                partition by s.overeenkomst_id order by s.maand rows between unbounded preceding and current row
            ) as {{ dbt.type_numeric() }}
        ), 2) as saldo_euro,
        round(cast(
            coalesce(v.vervallen_saldo_euro, 0)
            + sum(cast(coalesce(b.vervallen_mutatie_euro, 0) as {{ type_double() }})) over (
                partition by s.overeenkomst_id order by s.maand rows between unbounded preceding and current row
            ) as {{ dbt.type_numeric() }}
        ), 2) as vervallen_saldo_euro,
        greatest(coalesce(v.hoogste_stap_rang, 0), max(coalesce(st.stap_rang, 0)) over (
            partition by s.overeenkomst_id order by s.maand rows between unbounded preceding and current row
        )) as hoogste_stap_rang,
        v.in_achterstand as vorige_opgeslagen_in_achterstand,
        coalesce(st.acties_aantal, 0) as incassoacties_aantal,
        coalesce(ar.regelingen_actief_aantal, 0) as regelingen_actief_aantal
    from spine as s
    left join bewegingen as b
        on b.overeenkomst_id = s.overeenkomst_id and b.maand = s.maand
    left join stappen_per_maand as st
        on st.overeenkomst_id = s.overeenkomst_id and st.maand = s.maand
    left join actieve_regelingen as ar
        on ar.overeenkomst_id = s.overeenkomst_id and ar.maand = s.maand
    left join vorige as v
        on v.overeenkomst_id = s.overeenkomst_id
),

met_huur as (
    select
        c.*,
        e.brutohuur as eenheid_brutohuur,
        coalesce(nullif(c.huur_euro, 0), e.brutohuur, c.startbrutohuur) as maandhuur_euro,
        (c.vervallen_saldo_euro > 0) as in_achterstand
    from cumulatief as c
    left join {{ ref('dim_eenheid_historie') }} as e
        on e.eenheid_id = c.eenheid_id and {{ versie_op('e', 'c.peildatum') }}
),

met_vorige as (
    select
        *,
        coalesce(
            lag(in_achterstand) over (partition by overeenkomst_id order by maand), vorige_opgeslagen_in_achterstand
        ) as vorige_in_achterstand
    from met_huur
),

final as (
    select
        -- keys
        {{ dbt.concat(["m.overeenkomst_id", "'|'", "cast(m.maand as " ~ dbt.type_string() ~ ")"]) }}
            as contract_maand_id,
        m.overeenkomst_id,
        m.eenheid_id,
        m.maand,
        m.peildatum,
        -- ledger
        cast(m.gefactureerd_euro as decimal(14, 2)) as gefactureerd_euro,
        cast(m.betaald_euro as decimal(14, 2)) as betaald_euro,
        cast(m.correctie_euro as decimal(14, 2)) as correctie_euro,
        cast(m.saldo_euro as decimal(14, 2)) as saldo_euro,
        cast(m.vervallen_saldo_euro as decimal(14, 2)) as vervallen_saldo_euro,
        cast(case when m.in_achterstand then m.vervallen_saldo_euro else 0 end as decimal(14, 2)) as achterstand_euro,
        -- arrears
        m.in_achterstand,
        coalesce(m.vorige_in_achterstand, false) as vorige_maand_in_achterstand,
        (m.in_achterstand and not coalesce(m.vorige_in_achterstand, false)) as nieuw_in_achterstand,
        (not m.in_achterstand and coalesce(m.vorige_in_achterstand, false)) as hersteld,
        cast(
            case
                when m.in_achterstand and m.maandhuur_euro > 0
                    then round(cast(m.vervallen_saldo_euro / m.maandhuur_euro as {{ dbt.type_numeric() }}), 2)
                else 0
            end as decimal(10, 2)
        ) as maanden_achterstand,
        cast(m.maandhuur_euro as decimal(14, 2)) as maandhuur_euro,
        cast(12 * m.maandhuur_euro as decimal(14, 2)) as jaarhuur_euro,
        -- dunning and arrangements
        m.incassoacties_aantal,
        m.hoogste_stap_rang,
        case m.hoogste_stap_rang
            when 1 then 'HER' when 2 then 'AAN' when 3 then 'SOM' when 4 then 'VRS' when 5 then 'DEU'
            when 6 then 'DAG' when 7 then 'VON' when 8 then 'ONA' when 9 then 'ONT'
        end as hoogste_incassostap,
        coalesce(a.eerste_deurwaarder <= m.peildatum, false) as deurwaarder_bereikt,
        coalesce(a.eerste_vroegsignalering <= m.peildatum, false) as vroegsignalering_gemeld,
        coalesce(a.ontruiming <= m.peildatum, false) as ontruimd,
        (m.regelingen_actief_aantal > 0) as regeling_actief,
        -- tenant at the peildatum
        {{ leeftijdsklasse('r.geboortedatum', 'm.peildatum') }} as leeftijdsklasse,
        r.huishoudsamenstelling,
        r.huurtoeslag,
        m.betaalwijze,
        r.inkomensklasse,
        {{ contractduur_klasse('m.begindatum', 'm.peildatum') }} as contractduur_klasse,
        -- unit at the peildatum
        e.huurklasse,
        e.wijk,
        e.complex_id,
        e.eenheid_detailsoort
    from met_vorige as m
    left join eerste_acties as a
        on a.overeenkomst_id = m.overeenkomst_id
    left join {{ ref('int_relaties_historie') }} as r
        on r.relatie_id = m.relatie_id and {{ versie_op('r', 'm.peildatum') }}
    left join {{ ref('dim_eenheid_historie') }} as e
        on e.eenheid_id = m.eenheid_id and {{ versie_op('e', 'm.peildatum') }}
)

select * from final
