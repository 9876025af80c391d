{#- Every leegstand status period (status LEE) of every unit, numbered into vacancies: consecutive LEE
    periods (the next begins on or the day after the previous one's einddatum) form one vacancy.
    `dagen` runs to the next period of the same vacancy (or its end), so a vacancy's parts add up to
    its leegstand_dagen. Periods are the current snapshot of eenheidstatussen as known at the extract date; anything
    after the extract date is cut off there (censoring). -#}
with

lee as (
    select
        eenheid_id,
        detailstatus as leegstand_reden,
        begindatum,
        case when einddatum <= {{ extractdatum() }} then einddatum end as einddatum
    from {{ ref('stg_raw__eenheidstatussen') }}
    where
        {{ is_actueel() }}
        and status = 'LEE'
        and begindatum <= {{ extractdatum() }}
),

gemarkeerd as (
    select
        *,
        lag(einddatum) over (partition by eenheid_id order by begindatum) as vorige_einddatum,
        row_number() over (partition by eenheid_id order by begindatum) as rij
    from lee
),

eilanden as (
    select
        *,
        sum(
            case
                when rij = 1 then 1
                when vorige_einddatum is null then 0  -- the previous period is open: this continues it
                when begindatum <= {{ plus_dagen('vorige_einddatum', 1) }} then 0
                else 1
            end
        ) over (partition by eenheid_id order by begindatum rows between unbounded preceding and current row)
            as leegstand_nr
    from gemarkeerd
),

met_begin as (
    select
        *,
        min(begindatum) over (partition by eenheid_id, leegstand_nr) as leegstand_begindatum
    from eilanden
),

met_volgende as (
    select
        *,
        lead(begindatum) over (partition by eenheid_id, leegstand_nr order by begindatum) as volgende_begindatum
    from met_begin
)

select
    {{ dbt.concat(["eenheid_id", "'|'", "cast(leegstand_begindatum as " ~ dbt.type_string() ~ ")"]) }} as leegstand_id,
    eenheid_id,
    leegstand_nr,
    leegstand_begindatum,
    leegstand_reden,
    begindatum,
    einddatum,
    (einddatum is not null) as is_afgesloten,
    {#- days up to the next period of the same vacancy, so that the parts add up to the vacancy's days -#}
    {{ dagen_tussen('begindatum', 'coalesce(volgende_begindatum, einddatum, ' ~ extractdatum() ~ ')') }} as dagen
from met_volgende
